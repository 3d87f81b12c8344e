namespace Pipelines.Sql.Syntax;

// SELECT and FROM: tables, windowing table functions, joins and aliases.
internal sealed partial class Parser
{
    private SelectQuery ParseSelect()
    {
        var position = Current.Position;
        ExpectWord("SELECT");
        var distinctPosition = Current.Position;
        bool distinct = AcceptWord("DISTINCT");
        if (!distinct) AcceptWord("ALL");
        var items = new List<SelectItem>();
        do
        {
            var itemPosition = Current.Position;
            if (Accept("*"))
            {
                items.Add(new SelectItem(null, null, null, itemPosition));
                continue;
            }
            if (IsName(Current) && Peek().IsSymbol(".") && Peek(2).IsSymbol("*"))
            {
                string qualifier = Advance().Text;
                _index += 2;
                items.Add(new SelectItem(null, null, qualifier, itemPosition));
                continue;
            }
            var expr = ParseExpr();
            string? alias = null;
            if (AcceptWord("AS")) alias = ExpectName("an alias after AS");
            else if (IsName(Current)) alias = Advance().Text;
            items.Add(new SelectItem(expr, alias, null, itemPosition));
        }
        while (Accept(","));
        ExpectWord("FROM");
        var from = ParseFrom();
        Expr? where = AcceptWord("WHERE") ? ParseExpr() : null;
        var groupBy = new List<Expr>();
        if (AcceptWord("GROUP"))
        {
            ExpectWord("BY");
            do groupBy.Add(ParseExpr());
            while (Accept(","));
        }
        Expr? having = AcceptWord("HAVING") ? ParseExpr() : null;
        if (distinct)
        {
            // SELECT DISTINCT a, b is SELECT a, b … GROUP BY a, b: one row per distinct combination.
            if (items.Any(i => i.IsStar)) throw SqlException.At(distinctPosition, "SELECT DISTINCT needs its columns listed, not *.");
            if (groupBy.Count > 0 || having is not null) throw SqlException.At(distinctPosition, "SELECT DISTINCT cannot be combined with GROUP BY or HAVING here; group by the columns instead.");
            groupBy.AddRange(items.Select(i => i.Expression!));
        }
        var orderBy = new List<OrderItem>();
        if (AcceptWord("ORDER"))
        {
            ExpectWord("BY");
            do
            {
                var expr = ParseExpr();
                bool descending = AcceptWord("DESC");
                if (!descending) AcceptWord("ASC");
                bool nullsFirst = false;
                if (AcceptWord("NULLS"))
                {
                    nullsFirst = AcceptWord("FIRST");
                    if (!nullsFirst && !AcceptWord("LAST")) throw Error("FIRST or LAST after NULLS");
                }
                orderBy.Add(new OrderItem(expr, descending, nullsFirst));
            }
            while (Accept(","));
        }
        int? limit = null;
        if (AcceptWord("LIMIT")) limit = ExpectInteger("the number of rows after LIMIT");
        return new SelectQuery(items, from, where, groupBy, having, orderBy, limit, position);
    }

    private FromItem ParseFrom()
    {
        var left = ParseFromPrimary();
        while (true)
        {
            var position = Current.Position;
            var kind = JoinKind.Inner;
            string? outer = null;
            if (AcceptWord("INNER")) ExpectWord("JOIN");
            else if (AcceptWord("LEFT"))
            {
                kind = JoinKind.Left;
                AcceptWord("OUTER");
                ExpectWord("JOIN");
            }
            else if (Current.IsWord("RIGHT") || Current.IsWord("FULL") || Current.IsWord("CROSS"))
            {
                outer = Advance().Text.ToUpperInvariant();
                if (outer != "CROSS") AcceptWord("OUTER");
                ExpectWord("JOIN");
            }
            else if (!AcceptWord("JOIN"))
            {
                if (Current.IsSymbol(","))
                {
                    throw SqlException.At(position, "joins are written as JOIN … ON …, not as a comma-separated FROM list.", "JOIN");
                }
                return left;
            }
            var right = ParseFromPrimary();
            bool temporal = right is TableFrom { AsOf: not null };
            if (outer is not null)
            {
                throw SqlException.At(position, temporal
                    ? $"a temporal join (FOR SYSTEM_TIME AS OF) is an inner or a LEFT join; {outer} JOIN is not supported there."
                    : $"{outer} JOIN is not supported; joins are inner ([INNER] JOIN … ON …), and a LEFT JOIN is supported as a temporal join (LEFT JOIN t FOR SYSTEM_TIME AS OF o.ts AS c ON …).", "JOIN");
            }
            if (kind == JoinKind.Left && !temporal)
            {
                throw SqlException.At(position,
                    "LEFT JOIN is supported only as a temporal join, with FOR SYSTEM_TIME AS OF after the table (LEFT JOIN customers FOR SYSTEM_TIME AS OF o.ts AS c ON …); other joins are inner ([INNER] JOIN … ON …).", "JOIN");
            }
            ExpectWord("ON");
            left = new JoinFrom(left, right, ParseExpr(), position, kind);
        }
    }

    private FromItem ParseFromPrimary()
    {
        var position = Current.Position;
        if (Current.IsWord("TABLE") && Peek().IsSymbol("("))
        {
            _index += 2;
            var nameToken = Current;
            string function = ExpectName("a windowing function: TUMBLE, HOP, SESSION or CUMULATE").ToUpperInvariant();
            WindowKind kind = function switch
            {
                "TUMBLE" => WindowKind.Tumble,
                "HOP" => WindowKind.Hop,
                "SESSION" => WindowKind.Session,
                "CUMULATE" => WindowKind.Cumulate,
                _ => throw SqlException.At(nameToken.Position, $"unknown windowing table function '{nameToken.Text}'.", "TUMBLE, HOP, SESSION or CUMULATE"),
            };
            Expect("(", "'(' and the function's arguments");
            ExpectWord("TABLE");
            var tablePosition = Current.Position;
            var table = new TableFrom(ExpectName("the name of the table to window"), null, tablePosition);
            var partition = new List<ColumnExpr>();
            if (AcceptWord("PARTITION"))
            {
                ExpectWord("BY");
                partition.Add(ParseColumn());
                while (Current.IsSymbol(",") && !Peek().IsWord("DESCRIPTOR"))
                {
                    _index++;
                    partition.Add(ParseColumn());
                }
            }
            Expect(",", "',' and DESCRIPTOR(time column)");
            ExpectWord("DESCRIPTOR");
            Expect("(", "'(' and the time column");
            var timeColumn = ParseColumn();
            Expect(")", "')'");
            var arguments = new List<Expr>();
            while (Accept(",")) arguments.Add(ParseExpr());
            Expect(")", "')' to close the windowing function");
            Expect(")", "')' to close TABLE(");
            return new WindowFrom(kind, table, partition, timeColumn, arguments, ParseAlias(), position);
        }
        if (Current.IsSymbol("("))
        {
            throw SqlException.At(position, "subqueries in FROM are not supported; name a table, or a windowing function as TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '1' MINUTE)).", "a table name or TABLE(");
        }
        string name = ExpectName("a table name or TABLE(TUMBLE(…))");
        Expr? asOf = null;
        if (AcceptWord("FOR"))
        {
            ExpectWord("SYSTEM_TIME");
            ExpectWord("AS");
            ExpectWord("OF");
            asOf = ParseExpr();
        }
        string? alias = ParseAlias();
        if (Current.IsWord("FOR"))
        {
            throw SqlException.At(Current.Position,
                $"FOR SYSTEM_TIME AS OF comes right after the table name, before its alias: {name} FOR SYSTEM_TIME AS OF o.ts AS {alias ?? "c"}.", "JOIN, WHERE or the end of the FROM clause");
        }
        return new TableFrom(name, alias, position, asOf);
    }

    private string? ParseAlias()
    {
        if (AcceptWord("AS")) return ExpectName("an alias after AS");
        return IsName(Current) ? Advance().Text : null;
    }

    private ColumnExpr ParseColumn()
    {
        var position = Current.Position;
        string first = ExpectName("a column name");
        if (Accept(".")) return new ColumnExpr(first, ExpectName("a column name after '.'"), position);
        return new ColumnExpr(null, first, position);
    }
}
