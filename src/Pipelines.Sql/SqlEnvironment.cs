using Pipelines.Sql.Connectors;
using Pipelines.Sql.Planning;
using Pipelines.Sql.Syntax;

namespace Pipelines.Sql;

/// <summary>
/// Compiles SQL onto a <see cref="PipelineBuilder"/>: a catalog of tables (from CREATE TABLE, or registered from
/// code over a <see cref="DataStream{T}"/>), the SET options, and queries whose results are streams of the same
/// builder. Build and run the pipeline as usual, on either executor.
/// </summary>
public sealed class SqlEnvironment
{
    private readonly Catalog _catalog = new();
    private readonly SqlSettings _settings = new();

    /// <summary>Creates an environment over <paramref name="builder"/> (a new one when null).</summary>
    /// <param name="builder">The builder that queries add their operators to.</param>
    public SqlEnvironment(PipelineBuilder? builder = null)
    {
        Builder = builder ?? new PipelineBuilder("sql");
    }

    /// <summary>The builder that queries and INSERT INTO statements add operators to.</summary>
    public PipelineBuilder Builder { get; }

    /// <summary>The directory that relative 'path' options are resolved against (default: the current directory).</summary>
    public string BaseDirectory { get; set; } = Directory.GetCurrentDirectory();

    /// <summary>The options set with SET, by key.</summary>
    public IReadOnlyDictionary<string, string> Settings => _settings.Values;

    /// <summary>Whether every table read by the statements so far ends (so the bounded executor can run them).</summary>
    public bool IsBounded { get; private set; } = true;

    /// <summary>Whether a statement so far asked for a sink (a SELECT handed out or an INSERT INTO).</summary>
    internal bool HasSinks { get; set; }

    internal SqlSettings SettingsValues => _settings;

    /// <summary>
    /// Registers <paramref name="stream"/> (of this environment's <see cref="Builder"/>) as a table: one column
    /// per public property of <typeparamref name="T"/> of a SQL type.
    /// </summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="name">The table's name in SQL.</param>
    /// <param name="stream">The stream.</param>
    /// <param name="isBounded">Whether the stream ends (its source is bounded): allows ORDER BY, LIMIT, GROUP BY without windows and regular joins.</param>
    /// <param name="timeColumn">The property that holds event time: the table's time attribute for windows and interval joins. When the stream has event time already, it must hold that time.</param>
    /// <param name="watermarkDelay">For a stream without event time: how far rows may arrive out of order (the watermark trails the newest time by this).</param>
    public void RegisterTable<T>(string name, DataStream<T> stream, bool isBounded = false, string? timeColumn = null, TimeSpan? watermarkDelay = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(stream);
        _catalog.Add(CodeTable<T>.Create(name, Builder, stream, isBounded, timeColumn, watermarkDelay));
    }

    /// <summary>
    /// Registers a changelog (inserts, updates and deletes by key, as <c>ToChangelog</c> makes from PostgreSQL change
    /// data capture) as a versioned table: one column per public property of <typeparamref name="TRow"/>, the primary
    /// key <paramref name="primaryKey"/>, each version valid from its change's event time. Queries read it with
    /// <c>JOIN name FOR SYSTEM_TIME AS OF o.ts AS c ON c.id = o.…</c> (a temporal join: the row valid at the left row's
    /// event time) or <c>FOR SYSTEM_TIME AS OF PROCTIME()</c> (a lookup join on the latest row received).
    /// </summary>
    /// <typeparam name="TKey">The changes' key: the primary key's value, or a tuple of its columns' values in order.</typeparam>
    /// <typeparam name="TRow">The row type.</typeparam>
    /// <param name="name">The table's name in SQL.</param>
    /// <param name="changes">The changelog (of this environment's <see cref="Builder"/>). Without event time, each change is valid from its <see cref="Change{TKey,TRow}.Time"/>.</param>
    /// <param name="primaryKey">The column (property) the key holds, or several separated by commas.</param>
    /// <param name="isBounded">Whether the changelog ends.</param>
    /// <param name="watermarkDelay">For a changelog without event time: how far changes may arrive out of order of their <see cref="Change{TKey,TRow}.Time"/> (default none).</param>
    public void RegisterVersionedTable<TKey, TRow>(string name, DataStream<Change<TKey, TRow>> changes, string primaryKey, bool isBounded = false, TimeSpan? watermarkDelay = null)
        where TKey : notnull
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(changes);
        _catalog.Add(VersionedTable.FromChanges(name, Builder, changes, primaryKey, isBounded, watermarkDelay));
    }

    /// <summary>
    /// Registers a stream of upserts as a versioned table: each element is the row of its primary key from the time in
    /// <paramref name="timeColumn"/> on (nothing is deleted). Read it as <see cref="RegisterVersionedTable{TKey,TRow}"/>'s tables are.
    /// </summary>
    /// <typeparam name="T">The row type.</typeparam>
    /// <param name="name">The table's name in SQL.</param>
    /// <param name="upserts">The rows (of this environment's <see cref="Builder"/>). When the stream has event time, it must hold the time column's value.</param>
    /// <param name="primaryKey">The primary key column, or several separated by commas.</param>
    /// <param name="timeColumn">The DateTimeOffset or DateTime property from which a row is valid.</param>
    /// <param name="isBounded">Whether the stream ends.</param>
    /// <param name="watermarkDelay">For a stream without event time: how far rows may arrive out of order of their time (default none).</param>
    public void RegisterVersionedTable<T>(string name, DataStream<T> upserts, string primaryKey, string timeColumn, bool isBounded = false, TimeSpan? watermarkDelay = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(upserts);
        _catalog.Add(VersionedTable.FromUpserts(name, Builder, upserts, primaryKey, timeColumn, isBounded, watermarkDelay));
    }

    /// <summary>Runs CREATE TABLE and SET statements; compiles SELECT (returned) and INSERT INTO (connected to their sinks) onto the builder; returns EXPLAIN's text as a query-less result.</summary>
    /// <param name="script">Statements separated by semicolons.</param>
    /// <returns>One result per statement.</returns>
    /// <exception cref="SqlException">A statement cannot be run; nothing after it has been compiled.</exception>
    public IReadOnlyList<SqlStatementResult> Execute(string script)
    {
        ArgumentNullException.ThrowIfNull(script);
        return Parser.ParseScript(script).Select(Execute).ToList();
    }

    /// <summary>Compiles one SELECT and returns its result stream.</summary>
    /// <param name="select">A SELECT statement.</param>
    public SqlQuery Query(string select)
    {
        var statements = Parser.ParseScript(select);
        if (statements is not [QueryStatement query]) throw new SqlException("Query takes exactly one SELECT statement; use Execute for scripts.");
        return Compile(query.Query, Builder, true);
    }

    /// <summary>The plan of a SELECT or INSERT INTO, without adding it to the builder.</summary>
    /// <param name="statement">The statement (with or without EXPLAIN in front).</param>
    public string Explain(string statement)
    {
        var statements = Parser.ParseScript(statement);
        if (statements.Count != 1) throw new SqlException("Explain takes one statement.");
        return ExplainStatement(statements[0] is ExplainStatement e ? e.Inner : statements[0]);
    }

    internal SqlStatementResult Execute(Statement statement)
    {
        switch (statement)
        {
            case CreateTableStatement create:
                _catalog.Add(TableFactory.Create(create, BaseDirectory), create.Position);
                return new SqlStatementResult(SqlStatementKind.CreateTable, $"table '{create.Name}' created", null);
            case SetStatement set:
                _settings.Set(set.Key, set.Value, set.Position);
                return new SqlStatementResult(SqlStatementKind.Set, $"'{set.Key}' = '{set.Value}'", null);
            case ExplainStatement explain:
                return new SqlStatementResult(SqlStatementKind.Explain, ExplainStatement(explain.Inner), null);
            case QueryStatement query:
                return new SqlStatementResult(SqlStatementKind.Select, null, Compile(query.Query, Builder, true));
            case InsertStatement insert:
                Insert(insert, Builder, new PlanLog());
                return new SqlStatementResult(SqlStatementKind.Insert, $"INSERT INTO {insert.Table}", null);
            default:
                throw new InvalidOperationException();
        }
    }

    private string ExplainStatement(Statement statement)
    {
        var scratch = new PipelineBuilder("explain");
        var log = new PlanLog();
        if (statement is InsertStatement insert)
        {
            Insert(insert, scratch, log);
        }
        else
        {
            var query = Compile(((QueryStatement)statement).Query, scratch, false, log);
            query.Stream.To(Sinks.Action<Row>(_ => { }, "result"));
            log.Add(0, "Sink result");
        }
        return $"== SQL plan ==\n{log}\n== Pipeline ==\n{scratch.Build()}";
    }

    private SqlQuery Compile(SelectQuery select, PipelineBuilder builder, bool counts, PlanLog? log = null)
    {
        log ??= new PlanLog();
        var planner = new QueryPlanner(_catalog, _settings, builder, log);
        var planned = planner.Plan(select);
        if (counts)
        {
            RegisterLateRows(planner);
            IsBounded &= planned.Bounded;
            HasSinks = true;
        }
        return new SqlQuery(planned.Stream, planned.Schema, planned.Bounded, log.ToString(), planned.Finish);
    }

    private void Insert(InsertStatement insert, PipelineBuilder builder, PlanLog log)
    {
        var target = _catalog.Get(insert.Table, insert.TablePosition);
        if (insert.Query.OrderBy.Count > 0 || insert.Query.Limit is not null)
        {
            throw SqlException.At(insert.Query.Position, "INSERT INTO … SELECT cannot have ORDER BY or LIMIT: rows are written as they are produced.");
        }
        if (ReferenceEquals(builder, Builder)) _catalog.Written(target, insert.TablePosition);
        var planner = new QueryPlanner(_catalog, _settings, builder, log);
        var planned = planner.Plan(insert.Query);
        if (ReferenceEquals(builder, Builder)) RegisterLateRows(planner);
        var columns = target.Schema.Columns;
        if (planned.Schema.Columns.Count != columns.Count)
        {
            throw SqlException.At(insert.Position,
                $"INSERT INTO {target.Name} needs {columns.Count} columns ({string.Join(", ", columns)}), but the SELECT gives {planned.Schema.Columns.Count} ({string.Join(", ", planned.Schema.Columns)}).");
        }
        var casts = new Func<object?, object?>[columns.Count];
        for (int i = 0; i < columns.Count; i++)
        {
            var from = planned.UntypedNulls.Contains(i) ? SqlType.Null : planned.Schema.Columns[i].Type;
            var to = columns[i].Type;
            bool fits = from.Kind == to.Kind || (from.IsTimestamp && to.IsTimestamp) || (from.IsNumeric && to.IsNumeric) || from.Kind == SqlTypeKind.Null || to.Kind == SqlTypeKind.String;
            if (!fits)
            {
                throw SqlException.At(insert.Position,
                    $"column {i + 1} of the SELECT ({planned.Schema.Columns[i]}) does not fit column '{columns[i].Name}' {to} of table '{target.Name}'; CAST it.");
            }
            if (Binding.ExpressionBinder.LosesFraction(from, to))
            {
                // As Flink refuses it: written, 39.7 would become 39 (or a DOUBLE a rounded DECIMAL) without a word.
                throw SqlException.At(insert.Position,
                    $"column {i + 1} of the SELECT ({planned.Schema.Columns[i]}) would lose its fraction in column '{columns[i].Name}' {to} of table '{target.Name}'; " +
                    $"say how with a CAST: CAST(x AS {to}) truncates, CAST(ROUND(x) AS {to}) rounds.");
            }
            var parameter = System.Linq.Expressions.Expression.Parameter(typeof(object), "value");
            var typed = new Binding.Typed(System.Linq.Expressions.Expression.Convert(parameter, from.Kind == SqlTypeKind.Null ? typeof(object) : from.NullableClrType), from);
            var cast = Binding.ExpressionBinder.Cast(typed, to);
            if (to.Kind == SqlTypeKind.Decimal)
            {
                // Its precision holds: a value with more digits before the point fails its row (the error policy), as in SQL.
                cast = new Binding.Typed(System.Linq.Expressions.Expression.Call(
                    typeof(Compilation.SqlRuntime).GetMethod(nameof(Compilation.SqlRuntime.FitDecimal))!, cast.Expression,
                    System.Linq.Expressions.Expression.Constant(to.Precision - to.Scale), System.Linq.Expressions.Expression.Constant($"column '{columns[i].Name}'")), to);
            }
            casts[i] = System.Linq.Expressions.Expression.Lambda<Func<object?, object?>>(System.Linq.Expressions.Expression.Convert(cast.Expression, typeof(object)), parameter).Compile();
        }
        var sink = target.CreateSink();
        planned.Stream.Select(row =>
        {
            var values = new object?[casts.Length];
            for (int i = 0; i < values.Length; i++) values[i] = casts[i](row[i]);
            return new Row(values);
        }).Named($"to {target.Name} columns").To(sink);
        log.Add(0, $"Sink table {target.Name} ({target.Describe()})");
        if (ReferenceEquals(builder, Builder))
        {
            IsBounded &= planned.Bounded;
            HasSinks = true;
        }
    }

    /// <summary>Adds the late rows of the statement just planned as the table SET 'table.exec.late-rows' named (once).</summary>
    private void RegisterLateRows(QueryPlanner planner)
    {
        if (planner.LateTable is not { } late) return;
        _catalog.Add(late);
        _settings.LateRowsTable = null;
    }
}
