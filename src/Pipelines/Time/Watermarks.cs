using Pipelines.Time;

namespace Pipelines;

/// <summary>Factories for <see cref="WatermarkStrategy"/>.</summary>
public static class Watermarks
{
    /// <summary>
    /// W = (largest event time seen) − <paramref name="maxOutOfOrderness"/> − 1 tick. Elements at most
    /// <paramref name="maxOutOfOrderness"/> older than the newest element seen so far are never late.
    /// </summary>
    /// <param name="maxOutOfOrderness">How far behind the newest element an element may arrive; zero or more.</param>
    public static WatermarkStrategy BoundedOutOfOrderness(TimeSpan maxOutOfOrderness)
    {
        if (maxOutOfOrderness < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(maxOutOfOrderness), maxOutOfOrderness, "The out-of-orderness bound must be zero or positive.");
        }

        return new BoundedStrategy(maxOutOfOrderness.Ticks);
    }

    /// <summary>For sources whose event times never decrease: W = largest event time seen − 1 tick.</summary>
    public static WatermarkStrategy Monotonic() => new BoundedStrategy(0);

    /// <summary>A user-defined generator; <paramref name="factory"/> is called once per source instance and run.</summary>
    /// <typeparam name="T">The element type of the stream the strategy is used on.</typeparam>
    /// <param name="factory">Creates a generator.</param>
    public static WatermarkStrategy Custom<T>(Func<IWatermarkGenerator<T>> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        return new CustomStrategy<T>(factory);
    }

    private sealed class BoundedStrategy(long boundTicks) : WatermarkStrategy
    {
        internal override WatermarkTracker<T> CreateTracker<T>() => new BoundedOutOfOrdernessTracker<T>(boundTicks);

        internal override bool FollowsMaximum => true;
    }

    private sealed class CustomStrategy<TElement>(Func<IWatermarkGenerator<TElement>> factory) : WatermarkStrategy
    {
        internal override WatermarkTracker<T> CreateTracker<T>()
        {
            if (factory() is not IWatermarkGenerator<T> generator)
            {
                throw new InvalidOperationException(
                    $"A watermark generator for {typeof(TElement).Name} cannot be used on a stream of {typeof(T).Name}; " +
                    $"create it with Watermarks.Custom<{typeof(T).Name}>(...).");
            }

            return new CustomTracker<T>(generator);
        }
    }
}
