namespace Pipelines.Sql.Syntax;

// SELECT and FROM: tables, windowing table functions, joins and aliases.
internal sealed partial class Parser
{
    private SelectQuery ParseSelect()
    {
        var position = Current.Position;
        ExpectWord("SELECT");
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
        var orderBy = new List<OrderItem>();
        if (AcceptWord("ORDER"))
        {
            ExpectWord("BY");
            do
            {
                var expr = ParseExpr();
                bool descending = AcceptWord("DESC");
                if (!descending) AcceptWord("ASC");
                orderBy.Add(new OrderItem(expr, descending));
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
            if (AcceptWord("INNER")) ExpectWord("JOIN");
            else if (Current.IsWord("LEFT") || Current.IsWord("RIGHT") || Current.IsWord("FULL") || Current.IsWord("CROSS"))
            {
                throw SqlException.At(position, $"{Current.Text.ToUpperInvariant()} JOIN is not supported; only inner joins ([INNER] JOIN … ON …) are.", "JOIN");
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
            ExpectWord("ON");
            left = new JoinFrom(left, right, ParseExpr(), position);
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
        return new TableFrom(name, ParseAlias(), position);
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
