namespace Pipelines.Benchmarks.Infrastructure;

/// <summary>
/// An output record of a workload. Outputs are compared as multisets: both sides are sorted with
/// <see cref="IComparable{T}"/> and compared element by element with <see cref="IEquatable{T}"/>; during timed
/// runs only the count and the order-independent sum of <see cref="Hash"/> are checked.
/// </summary>
/// <typeparam name="T">The record type itself.</typeparam>
public interface IResult<T> : IEquatable<T>, IComparable<T>
    where T : struct, IResult<T>
{
    /// <summary>A deterministic 64-bit hash of every field that matters.</summary>
    ulong Hash();
}
