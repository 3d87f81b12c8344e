using System.Globalization;

namespace Pipelines.Sql.Syntax;

/// <summary>
/// A hand-written recursive-descent parser for the dialect: one method per rule, one token of look-ahead (two
/// for aliases and qualified names). Every error names the position of the token it stopped at, what it
/// expected there and what it found.
/// </summary>
internal sealed class Parser
{
    private static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        "SELECT", "FROM", "WHERE", "GROUP", "BY", "HAVING", "ORDER", "LIMIT", "JOIN", "INNER", "ON", "AND", "OR", "NOT",
        "AS", "CASE", "WHEN", "THEN", "ELSE", "END", "IS", "NULL", "LIKE", "IN", "BETWEEN", "TRUE", "FALSE", "CAST",
        "INSERT", "INTO", "CREATE", "TABLE", "WITH", "EXPLAIN", "SET", "UNION", "DISTINCT", "ASC", "DESC", "INTERVAL",
        "LEFT", "RIGHT", "FULL", "OUTER", "CROSS", "WATERMARK", "FOR", "PARTITION", "DESCRIPTOR",
    };

    private readonly List<Token> _tokens;
    private int _index;

    private Parser(List<Token> tokens) => _tokens = tokens;

    private Token Current => _tokens[_index];

    private Token Peek(int ahead = 1) => _tokens[Math.Min(_index + ahead, _tokens.Count - 1)];

    /// <summary>Parses a script: statements separated by semicolons.</summary>
    public static List<Statement> ParseScript(string text)
    {
        var parser = new Parser(Lexer.Tokenize(text));
        var statements = new List<Statement>();
        while (true)
        {
            while (parser.Current.IsSymbol(";")) parser._index++;
            if (parser.Current.Kind == TokenKind.End) return statements;
            statements.Add(parser.ParseStatement());
            if (parser.Current.Kind != TokenKind.End) parser.Expect(";", "';' between statements");
        }
    }

    /// <summary>Parses exactly one expression (for tests and computed options).</summary>
    public static Expr ParseExpression(string text)
    {
        var parser = new Parser(Lexer.Tokenize(text));
        var expr = parser.ParseExpr();
        if (parser.Current.Kind != TokenKind.End) throw parser.Error("the end of the expression");
        return expr;
    }

    private Statement ParseStatement()
    {
        var start = Current;
        if (AcceptWord("CREATE")) return ParseCreateTable(start.Position);
        if (AcceptWord("INSERT"))
        {
            ExpectWord("INTO");
            var tablePosition = Current.Position;
            string table = ExpectName("the name of the table to insert into");
            return new InsertStatement(table, tablePosition, ParseSelect(), start.Position);
        }
        if (AcceptWord("EXPLAIN"))
        {
            if (AcceptWord("PLAN")) ExpectWord("FOR");
            var inner = ParseStatement();
            if (inner is not (QueryStatement or InsertStatement))
            {
                throw SqlException.At(inner.Position, "EXPLAIN explains a SELECT or an INSERT INTO.", "SELECT or INSERT");
            }
            return new ExplainStatement(inner, start.Position);
        }
        if (AcceptWord("SET"))
        {
            string key = ExpectString("the setting's name as a quoted string, as in SET 'parallelism.default' = '2'");
            Expect("=", "'=' and the value");
            string value = Current.Kind is TokenKind.String or TokenKind.Integer or TokenKind.Decimal or TokenKind.Identifier
                ? Advance().Text
                : throw Error("the value as a quoted string");
            return new SetStatement(key, value, start.Position);
        }
        if (Current.IsWord("SELECT")) return new QueryStatement(ParseSelect());
        throw Error("a statement: SELECT, INSERT INTO, CREATE TABLE, EXPLAIN or SET");
    }

    private CreateTableStatement ParseCreateTable(Position position)
    {
        ExpectWord("TABLE");
        string name = ExpectName("the new table's name");
        Expect("(", "'(' and the column list");
        var columns = new List<ColumnDefinition>();
        WatermarkDefinition? watermark = null;
        do
        {
            if (Current.IsWord("WATERMARK"))
            {
                var wmPosition = Advance().Position;
                ExpectWord("FOR");
                string column = ExpectName("the time column the watermark is for");
                ExpectWord("AS");
                watermark = new WatermarkDefinition(column, ParseExpr(), wmPosition);
                continue;
            }
            var columnPosition = Current.Position;
            string columnName = ExpectName("a column name or WATERMARK FOR");
            columns.Add(new ColumnDefinition(columnName, ParseType(), columnPosition));
        }
        while (Accept(","));
        Expect(")", "',' and another column, or ')' to close the column list");
        var options = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (AcceptWord("WITH"))
        {
            Expect("(", "'(' and the table's options");
            do
            {
                string key = ExpectString("an option as 'key' = 'value'");
                Expect("=", "'=' and the option's value");
                options[key] = ExpectString($"the value of option '{key}' as a quoted string");
            }
            while (Accept(","));
            Expect(")", "',' and another option, or ')'");
        }
        return new CreateTableStatement(name, columns, watermark, options, position);
    }

    private SqlType ParseType()
    {
        var token = Current;
        if (token.Kind != TokenKind.Identifier) throw Error("a type: BOOLEAN, INT, BIGINT, DOUBLE, DECIMAL(p, s), STRING, VARCHAR, TIMESTAMP(3), TIMESTAMP_LTZ(3) or DATE");
        string word = token.Text.ToUpperInvariant();
        _index++;
        SqlType type;
        switch (word)
        {
            case "BOOLEAN": type = SqlType.Boolean; break;
            case "INT" or "INTEGER": type = SqlType.Int; break;
            case "BIGINT": type = SqlType.BigInt; break;
            case "DOUBLE" or "FLOAT":
                AcceptWord("PRECISION");
                type = SqlType.Double;
                break;
            case "DECIMAL" or "NUMERIC" or "DEC":
                int precision = 10, scale = 0;
                if (Accept("("))
                {
                    precision = ExpectInteger("the precision");
                    if (Accept(",")) scale = ExpectInteger("the scale");
                    Expect(")", "')'");
                }
                if (precision is < 1 or > 28 || scale < 0 || scale > precision)
                {
                    throw SqlException.At(token.Position, $"DECIMAL({precision}, {scale}) is out of range: the precision must be 1 to 28 and the scale 0 to the precision.");
                }
                type = SqlType.Decimal(precision, scale);
                break;
            case "STRING" or "VARCHAR" or "CHAR":
                if (Accept("("))
                {
                    ExpectInteger("the length");
                    Expect(")", "')'");
                }
                type = SqlType.String;
                break;
            case "TIMESTAMP" or "TIMESTAMP_LTZ":
                int digits = 3;
                if (Accept("("))
                {
                    digits = ExpectInteger("the fractional-second digits");
                    Expect(")", "')'");
                }
                if (digits is < 0 or > 7) throw SqlException.At(token.Position, $"{word}({digits}): at most 7 fractional-second digits (100 ns) are kept.");
                if (word == "TIMESTAMP" && AcceptWord("WITH"))
                {
                    ExpectWord("LOCAL");
                    ExpectWord("TIME");
                    ExpectWord("ZONE");
                    word = "TIMESTAMP_LTZ";
                }
                type = new SqlType(word == "TIMESTAMP" ? SqlTypeKind.Timestamp : SqlTypeKind.TimestampLtz, digits);
                break;
            case "DATE": type = SqlType.Date; break;
            default:
                _index--;
                throw Error("a type: BOOLEAN, INT, BIGINT, DOUBLE, DECIMAL(p, s), STRING, VARCHAR, TIMESTAMP(3), TIMESTAMP_LTZ(3) or DATE");
        }
        if (AcceptWord("NOT")) ExpectWord("NULL");
        return type;
    }

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

    // Expressions, lowest precedence first.
    private Expr ParseExpr() => ParseOr();

    private Expr ParseOr()
    {
        var left = ParseAnd();
        while (Current.IsWord("OR"))
        {
            var position = Advance().Position;
            left = new BinaryExpr("OR", left, ParseAnd(), position);
        }
        return left;
    }

    private Expr ParseAnd()
    {
        var left = ParseNot();
        while (Current.IsWord("AND"))
        {
            var position = Advance().Position;
            left = new BinaryExpr("AND", left, ParseNot(), position);
        }
        return left;
    }

    private Expr ParseNot()
    {
        if (Current.IsWord("NOT"))
        {
            var position = Advance().Position;
            return new UnaryExpr("NOT", ParseNot(), position);
        }
        return ParseComparison();
    }

    private Expr ParseComparison()
    {
        var left = ParseAdditive();
        while (true)
        {
            var position = Current.Position;
            if (Current.Kind == TokenKind.Symbol && Current.Text is "=" or "<>" or "<" or "<=" or ">" or ">=")
            {
                string op = Advance().Text;
                left = new BinaryExpr(op, left, ParseAdditive(), position);
                continue;
            }
            if (AcceptWord("IS"))
            {
                bool negated = AcceptWord("NOT");
                ExpectWord("NULL");
                left = new IsNullExpr(left, negated, position);
                continue;
            }
            bool not = Current.IsWord("NOT") && (Peek().IsWord("LIKE") || Peek().IsWord("IN") || Peek().IsWord("BETWEEN"));
            if (not) _index++;
            if (AcceptWord("LIKE"))
            {
                left = new LikeExpr(left, ParseAdditive(), not, position);
                continue;
            }
            if (AcceptWord("IN"))
            {
                Expect("(", "'(' and a list of values");
                var items = new List<Expr>();
                do items.Add(ParseExpr());
                while (Accept(","));
                Expect(")", "',' and another value, or ')'");
                left = new InExpr(left, items, not, position);
                continue;
            }
            if (AcceptWord("BETWEEN"))
            {
                var low = ParseAdditive();
                ExpectWord("AND");
                left = new BetweenExpr(left, low, ParseAdditive(), not, position);
                continue;
            }
            return left;
        }
    }

    private Expr ParseAdditive()
    {
        var left = ParseMultiplicative();
        while (Current.Kind == TokenKind.Symbol && Current.Text is "+" or "-" or "||")
        {
            var token = Advance();
            left = new BinaryExpr(token.Text, left, ParseMultiplicative(), token.Position);
        }
        return left;
    }

    private Expr ParseMultiplicative()
    {
        var left = ParseUnary();
        while (Current.Kind == TokenKind.Symbol && Current.Text is "*" or "/" or "%")
        {
            var token = Advance();
            left = new BinaryExpr(token.Text, left, ParseUnary(), token.Position);
        }
        return left;
    }

    private Expr ParseUnary()
    {
        if (Current.IsSymbol("-") || Current.IsSymbol("+"))
        {
            var token = Advance();
            var operand = ParseUnary();
            if (token.Text == "+") return operand;
            return operand switch
            {
                LiteralExpr { Value: int i } => new LiteralExpr(-i, SqlType.Int, token.Position),
                LiteralExpr { Value: long l } => new LiteralExpr(-l, SqlType.BigInt, token.Position),
                LiteralExpr { Value: decimal d } lit => new LiteralExpr(-d, lit.Type, token.Position),
                LiteralExpr { Value: double d } => new LiteralExpr(-d, SqlType.Double, token.Position),
                _ => new UnaryExpr("-", operand, token.Position),
            };
        }
        return ParsePrimary();
    }

    private Expr ParsePrimary()
    {
        var token = Current;
        var position = token.Position;
        switch (token.Kind)
        {
            case TokenKind.Integer:
                _index++;
                if (int.TryParse(token.Text, NumberStyles.None, CultureInfo.InvariantCulture, out int i)) return new LiteralExpr(i, SqlType.Int, position);
                if (long.TryParse(token.Text, NumberStyles.None, CultureInfo.InvariantCulture, out long l)) return new LiteralExpr(l, SqlType.BigInt, position);
                throw SqlException.At(position, $"the number {token.Text} is too large for BIGINT.");
            case TokenKind.Decimal:
                _index++;
                if (token.Text.Contains('e', StringComparison.OrdinalIgnoreCase))
                {
                    return new LiteralExpr(double.Parse(token.Text, CultureInfo.InvariantCulture), SqlType.Double, position);
                }
                decimal d = decimal.Parse(token.Text, CultureInfo.InvariantCulture);
                int scale = token.Text.Length - token.Text.IndexOf('.', StringComparison.Ordinal) - 1;
                int digits = token.Text.Count(char.IsDigit);
                return new LiteralExpr(d, SqlType.Decimal(Math.Clamp(digits, 1, 28), Math.Min(scale, 28)), position);
            case TokenKind.String:
                _index++;
                return new LiteralExpr(token.Text, SqlType.String, position);
            case TokenKind.Symbol when token.Text == "(":
                _index++;
                if (Current.IsWord("SELECT")) throw SqlException.At(Current.Position, "subqueries are not supported.", "an expression");
                var inner = ParseExpr();
                Expect(")", "')'");
                return inner;
            case TokenKind.Identifier or TokenKind.QuotedIdentifier:
                break;
            default:
                throw Error("an expression");
        }

        if (token.Kind == TokenKind.Identifier)
        {
            string word = token.Text.ToUpperInvariant();
            switch (word)
            {
                case "NULL": _index++; return new LiteralExpr(null, SqlType.Null, position);
                case "TRUE": _index++; return new LiteralExpr(true, SqlType.Boolean, position);
                case "FALSE": _index++; return new LiteralExpr(false, SqlType.Boolean, position);
                case "INTERVAL": _index++; return ParseInterval(position);
                case "CASE": _index++; return ParseCase(position);
                case "CAST":
                    _index++;
                    Expect("(", "'(' after CAST");
                    var operand = ParseExpr();
                    ExpectWord("AS");
                    var type = ParseType();
                    Expect(")", "')' to close CAST");
                    return new CastExpr(operand, type, position);
                case "TIMESTAMP" or "DATE" or "TIMESTAMP_LTZ" when Peek().Kind == TokenKind.String:
                    _index++;
                    string text = Advance().Text;
                    var literalType = word == "DATE" ? SqlType.Date : word == "TIMESTAMP" ? SqlType.Timestamp : SqlType.TimestampLtz;
                    object? value = word == "DATE" ? Types.SqlValues.ParseDate(text) : Types.SqlValues.ParseTimestamp(text);
                    if (value is null) throw SqlException.At(position, $"'{text}' is not a valid {literalType} literal; write {(word == "DATE" ? "'2024-05-01'" : "'2024-05-01 12:30:00.000' or ISO-8601")}.");
                    return new LiteralExpr(value, literalType, position);
                default:
                    if (Reserved.Contains(word) && !Peek().IsSymbol("(")) throw Error("an expression");
                    break;
            }
        }

        _index++;
        if (token.Kind == TokenKind.Identifier && Current.IsSymbol("("))
        {
            _index++;
            bool distinct = AcceptWord("DISTINCT");
            bool star = false;
            var arguments = new List<Expr>();
            if (Accept("*")) star = true;
            else if (!Current.IsSymbol(")"))
            {
                do arguments.Add(ParseExpr());
                while (Accept(","));
            }
            Expect(")", "',' and another argument, or ')'");
            return new CallExpr(token.Text, arguments, distinct, star, position);
        }
        if (Accept(".")) return new ColumnExpr(token.Text, ExpectName("a column name after '.'"), position);
        return new ColumnExpr(null, token.Text, position);
    }

    private IntervalExpr ParseInterval(Position position)
    {
        var valueToken = Current;
        string amountText;
        if (valueToken.Kind is TokenKind.String or TokenKind.Integer) amountText = Advance().Text;
        else throw Error("the interval's amount as a quoted number, as in INTERVAL '5' SECOND");
        var unitToken = Current;
        string unit = unitToken.Kind == TokenKind.Identifier ? unitToken.Text.ToUpperInvariant().TrimEnd('S') : string.Empty;
        if (!decimal.TryParse(amountText.Trim(), NumberStyles.Number, CultureInfo.InvariantCulture, out decimal amount))
        {
            throw SqlException.At(valueToken.Position, $"'{amountText}' is not a number of interval units.", "a number such as '5'");
        }
        double ms = unit switch
        {
            "MILLISECOND" => 1,
            "SECOND" => 1000,
            "MINUTE" => 60_000,
            "HOUR" => 3_600_000,
            "DAY" => 86_400_000,
            _ => throw Error("an interval unit: MILLISECOND, SECOND, MINUTE, HOUR or DAY"),
        };
        _index++;
        return new IntervalExpr(TimeSpan.FromTicks((long)(amount * (decimal)ms * TimeSpan.TicksPerMillisecond)), $"'{amountText}' {unitToken.Text.ToUpperInvariant()}", position);
    }

    private CaseExpr ParseCase(Position position)
    {
        Expr? operand = Current.IsWord("WHEN") ? null : ParseExpr();
        var branches = new List<(Expr, Expr)>();
        while (AcceptWord("WHEN"))
        {
            var when = ParseExpr();
            ExpectWord("THEN");
            branches.Add((when, ParseExpr()));
        }
        if (branches.Count == 0) throw Error("WHEN");
        Expr? otherwise = AcceptWord("ELSE") ? ParseExpr() : null;
        ExpectWord("END");
        return new CaseExpr(operand, branches, otherwise, position);
    }

    // Token helpers.
    private Token Advance() => _tokens[_index++];

    private bool Accept(string symbol)
    {
        if (!Current.IsSymbol(symbol)) return false;
        _index++;
        return true;
    }

    private bool AcceptWord(string word)
    {
        if (!Current.IsWord(word)) return false;
        _index++;
        return true;
    }

    private void Expect(string symbol, string expected)
    {
        if (!Accept(symbol)) throw Error(expected);
    }

    private void ExpectWord(string word)
    {
        if (!AcceptWord(word)) throw Error(word);
    }

    private string ExpectName(string expected)
    {
        if (!IsName(Current)) throw Error(expected);
        return Advance().Text;
    }

    private string ExpectString(string expected)
    {
        if (Current.Kind != TokenKind.String) throw Error(expected);
        return Advance().Text;
    }

    private int ExpectInteger(string expected)
    {
        if (Current.Kind != TokenKind.Integer || !int.TryParse(Current.Text, NumberStyles.None, CultureInfo.InvariantCulture, out int value)) throw Error(expected);
        _index++;
        return value;
    }

    private static bool IsName(Token token) =>
        token.Kind == TokenKind.QuotedIdentifier || (token.Kind == TokenKind.Identifier && !Reserved.Contains(token.Text));

    private SqlException Error(string expected)
    {
        string found = Current.Kind == TokenKind.Identifier && Reserved.Contains(Current.Text)
            ? $"the keyword {Current.Text.ToUpperInvariant()}"
            : Current.Describe();
        return SqlException.At(Current.Position, $"expected {expected}, but found {found}.", expected);
    }
}
