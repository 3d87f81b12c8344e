namespace Pipelines.Runtime;

/// <summary>What a sink needs of a run's checkpoints: to say that it passed a barrier (everything before it is written and flushed) or that it ended.</summary>
internal interface IBarrierAcknowledger
{
    /// <summary>Registers a sink; returns its index.</summary>
    int AddSink();

    /// <summary>Sink <paramref name="sink"/> has written and flushed everything before barrier <paramref name="checkpoint"/>.</summary>
    void SinkPassed(int sink, long checkpoint);

    /// <summary>Sink <paramref name="sink"/> completed: it holds back no checkpoint any more.</summary>
    void SinkEnded(int sink);
}
