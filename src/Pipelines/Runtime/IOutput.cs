namespace Pipelines.Runtime;

/// <summary>The control side of an operator's output, whatever its element type: what a stage base forwards to every output it owns.</summary>
internal interface IOutput
{
    /// <summary>Hands buffered elements on.</summary>
    void Flush();

    /// <summary>Flushes, then passes the watermark on.</summary>
    void Watermark(long watermark);

    /// <summary>Flushes, then tells downstream the input is idle.</summary>
    void Idle();

    /// <summary>Passes processing time on.</summary>
    void ProcessingTime(long utcTicks);

    /// <summary>Flushes, then passes a checkpoint barrier on.</summary>
    void Barrier(long checkpoint);

    /// <summary>Flushes, then passes a source's partition assignment or loss on, in order with the elements.</summary>
    void Handover(Exchanges.PartitionHandover handover);

    /// <summary>Flushes, then ends the output.</summary>
    void End();

    /// <summary>
    /// Elements emitted from now on came from <paramref name="origin"/> (a keyed stage whose state moves with an
    /// exchange's partitions stamps its results with the partition that produced them); <see cref="ElementOrigin.None"/>
    /// ends the stamping scope. Once called, every element of the output carries an origin.
    /// </summary>
    void StampFrom(ElementOrigin origin);
}
