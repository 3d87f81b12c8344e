namespace Pipelines.Postgres;

/// <summary>What a <see cref="ChangeRecord{T}"/> says happened to a row.</summary>
public enum ChangeOperation
{
    /// <summary>The row as the initial snapshot read it (it existed when the replication slot was created).</summary>
    Snapshot,

    /// <summary>The row was inserted: <see cref="ChangeRecord{T}.After"/> holds it.</summary>
    Insert,

    /// <summary>The row was updated: <see cref="ChangeRecord{T}.After"/> holds the new row, <see cref="ChangeRecord{T}.Before"/> the old key (or the old row under REPLICA IDENTITY FULL) when the server sent it.</summary>
    Update,

    /// <summary>The row was deleted: <see cref="ChangeRecord{T}.Before"/> holds its key (or the whole row under REPLICA IDENTITY FULL).</summary>
    Delete,

    /// <summary>
    /// The table was truncated (<c>TRUNCATE</c>): every row it held is gone. <see cref="ChangeRecord{T}.Before"/> and
    /// <see cref="ChangeRecord{T}.After"/> are null — the server sends no rows, so the keys are unknown. A changelog
    /// (<see cref="ChangelogMapping.ToChangelog{T, TKey}"/>) and the Changes sink cannot apply it by key and report it
    /// as an error; filter truncates out where they should be ignored.
    /// </summary>
    Truncate,
}
