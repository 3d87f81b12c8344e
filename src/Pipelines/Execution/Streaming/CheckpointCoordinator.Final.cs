namespace Pipelines.Execution.Streaming;

// The end of a run's checkpoints: the savepoint a run stops with, and the final checkpoint of a drained run (FLIP-147):
// the sources finishing, the request once all have, and when each may send its end (the rest: CheckpointCoordinator.cs).
internal sealed partial class CheckpointCoordinator
{
    /// <summary>
    /// Takes a savepoint as soon as the checkpoint in flight (if any) has ended: a checkpoint after which the sources
    /// read nothing more and no other checkpoint starts. Needs a <see cref="Store"/>.
    /// </summary>
    public void RequestSavepoint()
    {
        lock (_lock)
        {
            if (_savepointWanted) return;
            _savepointWanted = true;
        }

        Trigger();
    }

    /// <summary>
    /// The final checkpoint of a drained run (see the remarks), once every source has finished and it is requested;
    /// 0 before, and in a run that takes none.
    /// </summary>
    public long FinalCheckpoint => Volatile.Read(ref _finalId);

    /// <summary>Completes when the final checkpoint is stored and committed, or aborted within the tolerated failures; cancelled when the run stops first.</summary>
    public Task FinalSettled => _finalSettled.Task;

    /// <summary>True when the run ends with a final checkpoint: it stores checkpoints (<see cref="Store"/>).</summary>
    public bool TakesFinalCheckpoint => Store is not null;

    /// <summary>
    /// Source <paramref name="source"/> has read all it will (end of input, or a drain) and sent +∞; its reader's
    /// position then is <paramref name="position"/>, the position of every checkpoint from now on. A source whose
    /// reader never opened (<paramref name="opened"/> false) read nothing: checkpoints, the final one too, record it
    /// where <paramref name="runner"/> was to start (<see cref="SourceRunner.PositionBeforeOpening"/>). Once every
    /// source has finished, the final checkpoint is requested (after the one in flight).
    /// </summary>
    public void SourceFinished(int source, SourceRunner runner, object? position, bool opened)
    {
        long inFlight;
        lock (_lock)
        {
            var participant = _sources[source];
            participant.Finished = true;
            participant.FinishedPosition = position;
            if (!opened) participant.Unopened = runner;
            if (!_enabled) _noFinal = true;
            if (!Array.TrueForAll(_sources, static s => s.Finished)) return;
            _finalWanted = !_noFinal;
            inFlight = _finalWanted ? _inFlight : 0;
        }

        if (inFlight != 0) Checkpoints.CheckpointLog.FinalCheckpointWaits(logger, pipeline, inFlight);

        if (Volatile.Read(ref _finalWanted)) Trigger();
        else WakeSources();
    }

    /// <summary>Wakes the sources waiting for a request, so they look again whether they may end.</summary>
    private void WakeSources()
    {
        TaskCompletionSource wake;
        lock (_lock)
        {
            wake = _wake;
            Volatile.Write(ref _wake, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }

        wake.TrySetResult();
    }

    /// <summary>
    /// True when a finished source may send its end: checkpoint <paramref name="requested"/> is the final one, or the
    /// run ends without one.
    /// </summary>
    public bool MayEnd(long requested)
    {
        lock (_lock)
        {
            if (_finalId != 0) return requested >= _finalId;
            // Without a final checkpoint (no checkpoints were enabled, or a savepoint ended them) the sources end once all have finished.
            return (_noFinal || (_savepointId != 0 && _inFlight == 0)) && Array.TrueForAll(_sources, static s => s.Finished);
        }
    }
}
