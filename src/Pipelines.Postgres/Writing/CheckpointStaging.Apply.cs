using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Pipelines.Postgres.Writing;

// Applying staged rows to the target: deletes and upserts (or appends) in one transaction, each set of left-out
// columns on its own, in waves when partial rows of one key must go in stage order, and one by one under savepoints
// when the target refuses a row.
internal sealed partial class CheckpointStaging
{
    /// <summary>
    /// Applies the staged rows <paramref name="filter"/> selects, in the order they were staged (for an upsert, the
    /// last row of each key), then deletes them from the stage. A row the target refuses makes them go one by one
    /// under savepoints, to fail naming it or to skip it (<see cref="PostgresSinkOptions.RejectedRows"/>).
    /// </summary>
    private async Task ApplyRowsAsync(NpgsqlTransaction transaction, string filter, CancellationToken cancellationToken)
    {
        if (_keys.Length > 0 && await AnyOmittedAsync(transaction, filter, cancellationToken).ConfigureAwait(false))
        {
            await ApplyInWavesAsync(transaction, filter, cancellationToken).ConfigureAwait(false);
            return;
        }

        string selected = $"(SELECT * FROM {_stage} WHERE {filter})";
        string source = _keys.Length == 0 ? selected : $"(SELECT DISTINCT ON ({KeyList("")}) * FROM {_stage} WHERE {filter} ORDER BY {KeyList("")}, {OrderColumn} DESC)";
        long applied;
        await transaction.SaveAsync("pipelines_apply", cancellationToken).ConfigureAwait(false);
        try
        {
            applied = await ApplySourceAsync(transaction, source, cancellationToken).ConfigureAwait(false);
            await transaction.ReleaseAsync("pipelines_apply", cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (IsRowError(ex))
        {
            await transaction.RollbackAsync("pipelines_apply", cancellationToken).ConfigureAwait(false);
            applied = await ApplyOneByOneAsync(transaction, source, cancellationToken).ConfigureAwait(false);
        }

        await ExecuteAsync($"DELETE FROM {_stage} WHERE {filter}", transaction, cancellationToken).ConfigureAwait(false);
        if (applied > 0) Applied?.Invoke(applied);
    }

    /// <summary>Whether a staged row <paramref name="filter"/> selects leaves columns out.</summary>
    private async Task<bool> AnyOmittedAsync(NpgsqlTransaction transaction, string filter, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT EXISTS (SELECT 1 FROM {_stage} WHERE ({filter}) AND {OmittedColumn} IS NOT NULL)", _commits, transaction);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true;
    }

    /// <summary>
    /// Upserts where some rows leave columns out: a key's later row does not replace its earlier ones (it would drop
    /// what they set and it leaves out), so each key's rows are applied in the order they were staged, the earliest
    /// left of every key at a time, until none is left.
    /// </summary>
    private async Task ApplyInWavesAsync(NpgsqlTransaction transaction, string filter, CancellationToken cancellationToken)
    {
        string wave = $"(SELECT DISTINCT ON ({KeyList("")}) * FROM {_stage} WHERE {filter} ORDER BY {KeyList("")}, {OrderColumn})";
        long applied = 0;
        while (true)
        {
            await transaction.SaveAsync("pipelines_apply", cancellationToken).ConfigureAwait(false);
            try
            {
                applied += await ApplySourceAsync(transaction, wave, cancellationToken).ConfigureAwait(false);
                await transaction.ReleaseAsync("pipelines_apply", cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException ex) when (IsRowError(ex))
            {
                await transaction.RollbackAsync("pipelines_apply", cancellationToken).ConfigureAwait(false);
                applied += await ApplyOneByOneAsync(transaction, wave, cancellationToken).ConfigureAwait(false);
            }

            long removed = await ExecuteAsync($"DELETE FROM {_stage} WHERE {OrderColumn} IN (SELECT w.{OrderColumn} FROM {wave} w)", transaction, cancellationToken).ConfigureAwait(false);
            if (removed == 0) break;
        }

        if (applied > 0) Applied?.Invoke(applied);
    }

    private async Task<long> ApplySourceAsync(NpgsqlTransaction transaction, string source, CancellationToken cancellationToken, long? only = null)
    {
        string where = only is { } seq ? $" AND s.{OrderColumn} = {seq}" : "";
        long applied = 0;
        if (_keys.Length > 0)
        {
            string match = string.Join(" AND ", _keys.Select(k => $"t.{Sql.Quote(_columns[k].Name)} = s.{Sql.Quote(_columns[k].Name)}"));
            applied += await ExecuteAsync($"DELETE FROM {_target} t USING {source} s WHERE s.{DeleteColumn}{where} AND {match}", transaction, cancellationToken).ConfigureAwait(false);
        }

        // Rows that left columns out (a PostgresRow without them) are applied apart, each set of columns on its own,
        // so the server gives what they leave out its default (and an upsert keeps the existing row's value). Appends
        // of several sets go in runs of one set, in the order they were staged.
        var sets = await OmittedSetsAsync(transaction, source, where, cancellationToken).ConfigureAwait(false);
        if (_keys.Length == 0 && sets.Count > 1)
        {
            foreach (var (omitted, first, last) in await AppendRunsAsync(transaction, source, where, cancellationToken).ConfigureAwait(false))
            {
                var (list, selected, written) = Columns(omitted);
                applied += await ExecuteAsync(
                    $"INSERT INTO {_target} ({list}) SELECT {selected} FROM {source} s WHERE s.{OrderColumn} BETWEEN {first} AND {last}{where} ORDER BY s.{OrderColumn}",
                    transaction, cancellationToken).ConfigureAwait(false);
            }

            return applied;
        }

        foreach (var omitted in sets)
        {
            var (list, selected, written) = Columns(omitted);
            string same = omitted is null ? $"s.{OmittedColumn} IS NULL" : $"s.{OmittedColumn} = {TextArray(omitted)}";
            applied += _keys.Length == 0
                ? await ExecuteAsync($"INSERT INTO {_target} ({list}) SELECT {selected} FROM {source} s WHERE {same}{where} ORDER BY s.{OrderColumn}", transaction, cancellationToken).ConfigureAwait(false)
                : await ExecuteAsync(
                    $"INSERT INTO {_target} ({list}) SELECT {selected} FROM {source} s WHERE NOT s.{DeleteColumn} AND {same}{where}" + WrittenColumns.ConflictClause(_columns, _keys, written),
                    transaction, cancellationToken).ConfigureAwait(false);
        }

        return applied;
    }

    /// <summary>The columns rows that leave <paramref name="omitted"/> out write: the target's list, the stage's select list, their indexes.</summary>
    private (string List, string Selected, int[] Written) Columns(string[]? omitted)
    {
        var written = Enumerable.Range(0, _columns.Length).Where(c => omitted is null || !omitted.Contains(_columns[c].Name)).ToArray();
        return (WrittenColumns.List(_columns, written), string.Join(", ", written.Select(c => "s." + Sql.Quote(_columns[c].Name))), written);
    }

    /// <summary>Staged appends as runs of consecutive rows that leave out the same columns: (left out, first and last stage order).</summary>
    private async Task<List<(string[]? Omitted, long First, long Last)>> AppendRunsAsync(NpgsqlTransaction transaction, string source, string where, CancellationToken cancellationToken)
    {
        var runs = new List<(string[]? Omitted, long First, long Last)>();
        await using var command = new NpgsqlCommand($"SELECT s.{OrderColumn}, s.{OmittedColumn} FROM {source} s WHERE true{where} ORDER BY s.{OrderColumn}", _commits, transaction);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            long seq = reader.GetInt64(0);
            string[]? omitted = reader.IsDBNull(1) ? null : reader.GetFieldValue<string[]>(1);
            if (runs.Count > 0 && SameSet(runs[^1].Omitted, omitted)) runs[^1] = runs[^1] with { Last = seq };
            else runs.Add((omitted, seq, seq));
        }

        return runs;

        static bool SameSet(string[]? a, string[]? b) => a is null ? b is null : b is not null && a.SequenceEqual(b, StringComparer.Ordinal);
    }

    /// <summary>The sets of left-out columns among the rows to apply (null: none left out), most often just null.</summary>
    private async Task<List<string[]?>> OmittedSetsAsync(NpgsqlTransaction transaction, string source, string where, CancellationToken cancellationToken)
    {
        var sets = new List<string[]?>();
        string deletes = _keys.Length > 0 ? $"NOT s.{DeleteColumn}" : "true";
        await using var command = new NpgsqlCommand($"SELECT DISTINCT s.{OmittedColumn} FROM {source} s WHERE {deletes}{where}", _commits, transaction);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) sets.Add(reader.IsDBNull(0) ? null : reader.GetFieldValue<string[]>(0));
        return sets;
    }

    /// <summary>A <c>text[]</c> literal of <paramref name="names"/>.</summary>
    private static string TextArray(string[] names) => "ARRAY[" + string.Join(", ", names.Select(n => "'" + n.Replace("'", "''", StringComparison.Ordinal) + "'")) + "]::text[]";

    private async Task<long> ApplyOneByOneAsync(NpgsqlTransaction transaction, string source, CancellationToken cancellationToken)
    {
        var order = new List<long>();
        await using (var list = new NpgsqlCommand($"SELECT {OrderColumn} FROM {source} s ORDER BY {OrderColumn}", _commits, transaction))
        await using (var reader = await list.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) order.Add(reader.GetInt64(0));
        }

        long applied = 0;
        var logger = _options.Logger ?? NullLogger.Instance;
        foreach (long seq in order)
        {
            await transaction.SaveAsync("pipelines_row", cancellationToken).ConfigureAwait(false);
            try
            {
                applied += await ApplySourceAsync(transaction, source, cancellationToken, seq).ConfigureAwait(false);
                await transaction.ReleaseAsync("pipelines_row", cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException ex) when (IsRowError(ex))
            {
                await transaction.RollbackAsync("pipelines_row", cancellationToken).ConfigureAwait(false);
                var rejection = new PostgresMappingException(_targetName, ex.Detail ?? "?", ex.ColumnName,
                    $"the server refused the row when checkpoint commits applied it: {ex.MessageText}{(ex.ConstraintName is { } c ? $" (constraint {c})" : "")}, SQLSTATE {ex.SqlState}.", ex);
                if (_options.RejectedRows == RejectedRowPolicy.Fail)
                {
                    throw new InvalidOperationException(
                        $"Sink '{_sinkName}': {rejection.Message} The rows stay staged and are applied again at recovery, where the same row fails again: " +
                        "fix the target (or the row's source), or choose RejectedRows = Skip.", rejection);
                }

                PostgresLog.RowRejected(logger, _sinkName, rejection.Message);
                Rejected?.Invoke(1);
            }
        }

        return applied;
    }

    /// <summary>Rows the target refused and were skipped.</summary>
    public event Action<long>? Rejected;
}
