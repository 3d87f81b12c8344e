using Pipelines.Sql.Binding;
using Pipelines.Sql.Syntax;

namespace Pipelines.Sql.Planning;

// Windowing table functions: TUMBLE, HOP, SESSION and CUMULATE, and their window columns.
internal sealed partial class QueryPlanner
{
    private Relation PlanWindow(WindowFrom from, int depth)
    {
        var table = catalog.Read(from.Table.Name, from.Table.Position);
        string qualifier = from.Alias ?? table.Name;
        var inner = PlanTable(from.Table with { Alias = qualifier }, depth + 1);
        var time = inner.Scope.Resolve(from.TimeColumn);
        if (table.TimeColumn is not int timeColumn)
        {
            throw SqlException.At(from.TimeColumn.Position,
                $"table '{table.Name}' has no time attribute, so it cannot be windowed: declare one in its CREATE TABLE, as in WATERMARK FOR {time.Name} AS {time.Name} - INTERVAL '5' SECOND.");
        }
        if (time.Index != timeColumn)
        {
            throw SqlException.At(from.TimeColumn.Position,
                $"DESCRIPTOR({from.TimeColumn.Name}): windows are on the table's time attribute, which is '{table.Schema.Columns[timeColumn].Name}' (its WATERMARK FOR column).");
        }
        TimeSpan Interval(int index, string what)
        {
            if (from.Arguments.Count <= index) throw SqlException.At(from.Position, $"{from.Kind.ToString().ToUpperInvariant()} needs {what} as an INTERVAL argument {index + 3}, as in INTERVAL '1' MINUTE.");
            return from.Arguments[index] is IntervalExpr interval && interval.Value > TimeSpan.Zero
                ? interval.Value
                : throw SqlException.At(from.Arguments[index].Position, $"{what} must be a positive interval literal such as INTERVAL '1' MINUTE, not {from.Arguments[index].Text}.");
        }
        void Arguments(int count)
        {
            if (from.Arguments.Count > count) throw SqlException.At(from.Arguments[count].Position, $"{from.Kind.ToString().ToUpperInvariant()} takes {count} interval argument{(count == 1 ? string.Empty : "s")} after DESCRIPTOR(…).");
        }
        if (from.PartitionBy.Count > 0 && from.Kind != WindowKind.Session) throw SqlException.At(from.PartitionBy[0].Position, "PARTITION BY is for SESSION windows.");
        WindowAssigner assigner;
        long size, slide;
        string text;
        try
        {
            switch (from.Kind)
            {
                case WindowKind.Tumble:
                    Arguments(2);
                    var tumble = Interval(0, "the window size");
                    var offset = from.Arguments.Count > 1 ? Interval(1, "the offset") : TimeSpan.Zero;
                    assigner = Windows.Tumbling(tumble, offset);
                    if (offset != TimeSpan.Zero) throw SqlException.At(from.Arguments[1].Position, "TUMBLE with an offset is not supported; windows are aligned to the Unix epoch.");
                    (size, slide, text) = (tumble.Ticks, tumble.Ticks, $"TUMBLE({tumble})");
                    break;
                case WindowKind.Hop:
                    Arguments(2);
                    var hopSlide = Interval(0, "the slide");
                    var hopSize = Interval(1, "the window size");
                    assigner = Windows.Sliding(hopSize, hopSlide);
                    (size, slide, text) = (hopSize.Ticks, hopSlide.Ticks, $"HOP(size {hopSize}, slide {hopSlide})");
                    break;
                case WindowKind.Session:
                    Arguments(1);
                    var gap = Interval(0, "the session gap");
                    assigner = Windows.Session(gap);
                    (size, slide, text) = (gap.Ticks, 0, $"SESSION(gap {gap})");
                    break;
                default:
                    Arguments(2);
                    var step = Interval(0, "the step");
                    var maxSize = Interval(1, "the maximum window size");
                    assigner = Windows.Cumulating(step, maxSize);
                    (size, slide, text) = (maxSize.Ticks, step.Ticks, $"CUMULATE(step {step}, size {maxSize})");
                    break;
            }
        }
        catch (ArgumentOutOfRangeException ex)
        {
            throw SqlException.At(from.Position, $"{from.Kind.ToString().ToUpperInvariant()}: {ex.Message.Split(" (Parameter", StringSplitOptions.None)[0]}");
        }
        log.Add(depth, $"Windowing function {text} on {table.Schema.Columns[timeColumn].Name}{(from.PartitionBy.Count > 0 ? $" PARTITION BY {string.Join(", ", from.PartitionBy.Select(p => p.Text))}" : string.Empty)}");
        var columns = inner.Scope.Columns.Concat(WindowColumns.Select((name, i) => new ScopeColumn(qualifier, name, SqlType.Timestamp, inner.Width + i))).ToList();
        var relation = new Relation(inner.Stream, new Scope(columns, $"TABLE({from.Kind.ToString().ToUpperInvariant()}(TABLE {table.Name} …))"), inner.Width, inner.Bounded, timeColumn,
            new PendingWindow(from.Kind, assigner, size, slide, from.PartitionBy, text));
        relation.Tables.AddRange(inner.Tables);
        return relation;
    }

    /// <summary>Adds window_start, window_end and window_time to each row (one row per window for HOP and CUMULATE).</summary>
    private void Materialize(Relation relation)
    {
        var window = relation.Window!;
        int time = relation.TimeColumn!.Value;
        int width = relation.Width;
        long size = window.SizeTicks, slide = window.SlideTicks;
        if (window.Kind == WindowKind.Session)
        {
            throw new SqlException($"SESSION windows give window columns only to a grouped query: GROUP BY window_start, window_end (and the PARTITION BY columns).");
        }
        long epoch = DateTimeOffset.UnixEpoch.UtcTicks;
        Row Extend(Row row, long start, long end)
        {
            var values = new object?[width + 3];
            row.CopyTo(values, 0);
            values[width] = new DateTimeOffset(start + epoch, TimeSpan.Zero);
            values[width + 1] = new DateTimeOffset(end + epoch, TimeSpan.Zero);
            values[width + 2] = new DateTimeOffset(end + epoch - TimeSpan.TicksPerMillisecond, TimeSpan.Zero);
            return new Row(values);
        }
        long Floor(Row row, long step)
        {
            long t = ((DateTimeOffset)row[time]!).UtcTicks - epoch;
            return t - (((t % step) + step) % step);
        }
        var rows = relation.Stream.ToRows();
        var extended = window.Kind == WindowKind.Tumble
            ? rows.Select(row => Extend(row, Floor(row, size), Floor(row, size) + size)).Named($"{window.Text} window columns")
            : rows.SelectMany(row =>
            {
                long t = ((DateTimeOffset)row[time]!).UtcTicks - epoch;
                var rows = new List<Row>();
                if (window.Kind == WindowKind.Cumulate)
                {
                    // The windows of the row's period that end after it: [start, start + k·step) up to the size.
                    long start = Floor(row, size);
                    for (long end = Floor(row, slide) + slide; end <= start + size; end += slide) rows.Add(Extend(row, start, end));
                }
                else
                {
                    for (long start = Floor(row, slide); start > t - size; start -= slide) rows.Insert(0, Extend(row, start, start + size));
                }
                return rows;
            }).Named($"{window.Text} window columns");
        relation.Stream = RowStream.Of(extended, [.. relation.Stream.Columns, SqlType.Timestamp, SqlType.Timestamp, SqlType.Timestamp]);
        relation.Width = width + 3;
        relation.Window = null;
        log.Add(1, $"Add window_start, window_end, window_time of {window.Text}");
    }
}
