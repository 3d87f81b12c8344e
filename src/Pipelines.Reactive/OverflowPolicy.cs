namespace Pipelines.Reactive;

/// <summary>
/// What an observable source does when the observable pushes an element while its buffer is full because the
/// pipeline reads more slowly than the observable produces. There is no default: the choice is explicit.
/// </summary>
public enum OverflowPolicy
{
    /// <summary>
    /// <c>OnNext</c> waits until the pipeline has read an element: the observable's thread is blocked, which is
    /// backpressure for producers that push from their own thread. Nothing is lost.
    /// </summary>
    Block,

    /// <summary>
    /// The oldest buffered element is dropped to make room; <see cref="ObservableSource{T}.DroppedCount"/>
    /// counts every dropped element. <c>OnNext</c> never waits.
    /// </summary>
    DropOldest,

    /// <summary>The run fails with an error naming the source and the buffer size. <c>OnNext</c> never waits.</summary>
    Fail,
}
