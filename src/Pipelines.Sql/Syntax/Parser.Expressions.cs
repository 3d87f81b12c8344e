using System.Globalization;

namespace Pipelines.Sql.Syntax;

// Expressions, lowest precedence first.
internal sealed partial class Parser
{
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
                if (!decimal.TryParse(token.Text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal d))
                {
                    throw SqlException.At(position, $"the number {token.Text} is too large for DECIMAL (at most 28 digits); write it as a DOUBLE, e.g. {token.Text}E0.");
                }
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

            // POSITION(substring IN string), the standard form, has the arguments of POSITION(substring, string).
            bool positionIn = !distinct && token.Text.Equals("POSITION", StringComparison.OrdinalIgnoreCase)
                && !Current.IsSymbol(")") && !Current.IsSymbol("*") && PositionIn(arguments);
            if (!positionIn && Accept("*"))
            {
                star = true;
            }
            else if (!positionIn && !Current.IsSymbol(")"))
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
        decimal ticks = Math.Abs(amount) <= TimeSpan.MaxValue.Ticks / ((decimal)ms * TimeSpan.TicksPerMillisecond)
            ? amount * (decimal)ms * TimeSpan.TicksPerMillisecond
            : throw SqlException.At(valueToken.Position, $"INTERVAL '{amountText}' {unitToken.Text.ToUpperInvariant()} is longer than the longest interval (about 29,000 years).", "a shorter interval");
        return new IntervalExpr(TimeSpan.FromTicks((long)ticks), $"'{amountText}' {unitToken.Text.ToUpperInvariant()}", position);
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

    /// <summary>
    /// The arguments of <c>POSITION(substring IN string)</c>: the substring is read up to IN (at the precedence of
    /// <c>||</c> and arithmetic, so IN is not taken as the IN operator). False, with nothing read, when no IN follows.
    /// </summary>
    private bool PositionIn(List<Expr> arguments)
    {
        int start = _index;
        var substring = ParseAdditive();
        if (!AcceptWord("IN"))
        {
            _index = start;
            return false;
        }

        arguments.Add(substring);
        arguments.Add(ParseExpr());
        return true;
    }
}
