namespace Pipelines.State.Snapshots;

/// <summary>
/// Key groups, Flink's unit of state redistribution: every key belongs to one of <c>maxParallelism</c> groups
/// (a stable hash of the key, modulo), a worker owns a contiguous range of groups, and a snapshot is written group
/// by group. A checkpoint taken with parallelism N restores under M by reading, for each new worker, the groups of
/// its range from whichever old workers wrote them. The maximum parallelism is fixed for the life of the state.
/// </summary>
internal static class KeyGroups
{
    /// <summary>The maximum parallelism when none is set: the number of key groups.</summary>
    public const int DefaultMaxParallelism = 128;

    /// <summary>The largest maximum parallelism.</summary>
    public const int MaxMaxParallelism = 1 << 15;

    /// <summary>The key group of a key whose stable hash is <paramref name="hash"/>.</summary>
    public static int Of(uint hash, int maxParallelism) => (int)(hash % (uint)maxParallelism);

    /// <summary>The worker (of <paramref name="parallelism"/>) that owns <paramref name="keyGroup"/>.</summary>
    public static int WorkerOf(int keyGroup, int maxParallelism, int parallelism) => (int)((long)keyGroup * parallelism / maxParallelism);

    /// <summary>The key groups worker <paramref name="worker"/> of <paramref name="parallelism"/> owns.</summary>
    public static KeyGroupRange RangeOf(int worker, int maxParallelism, int parallelism)
    {
        Validate(maxParallelism, parallelism);
        if ((uint)worker >= (uint)parallelism) throw new ArgumentOutOfRangeException(nameof(worker), worker, $"A worker of {parallelism} is numbered 0 to {parallelism - 1}.");
        int start = (int)(((long)worker * maxParallelism + parallelism - 1) / parallelism);
        int end = (int)((((long)worker + 1) * maxParallelism - 1) / parallelism);
        return new KeyGroupRange(start, end);
    }

    /// <summary>Checks that <paramref name="parallelism"/> workers can share <paramref name="maxParallelism"/> key groups.</summary>
    public static void Validate(int maxParallelism, int parallelism)
    {
        if (maxParallelism < 1 || maxParallelism > MaxMaxParallelism)
        {
            throw new ArgumentOutOfRangeException(nameof(maxParallelism), maxParallelism, $"The maximum parallelism must be between 1 and {MaxMaxParallelism}.");
        }

        if (parallelism < 1 || parallelism > maxParallelism)
        {
            throw new ArgumentOutOfRangeException(nameof(parallelism), parallelism, $"The parallelism must be between 1 and the maximum parallelism ({maxParallelism}): each worker owns at least one key group.");
        }
    }
}

/// <summary>The key groups from <see cref="Start"/> to <see cref="End"/>, both included.</summary>
internal readonly record struct KeyGroupRange(int Start, int End)
{
    /// <summary>Every key group of <paramref name="maxParallelism"/>.</summary>
    public static KeyGroupRange All(int maxParallelism) => new(0, maxParallelism - 1);

    /// <summary>Whether <paramref name="keyGroup"/> is in the range.</summary>
    public bool Contains(int keyGroup) => keyGroup >= Start && keyGroup <= End;
}
