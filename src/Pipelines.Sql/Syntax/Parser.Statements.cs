namespace Pipelines.Sql.Syntax;

// Statements: CREATE TABLE, INSERT INTO, SET, EXPLAIN, and column types.
internal sealed partial class Parser
{
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
        PrimaryKeyDefinition? primaryKey = null;
        do
        {
            if (Current.IsWord("PRIMARY") && Peek().IsWord("KEY"))
            {
                var keyPosition = Advance().Position;
                if (primaryKey is not null) throw SqlException.At(keyPosition, $"table '{name}' has a PRIMARY KEY already; a key of several columns is PRIMARY KEY (a, b) NOT ENFORCED.");
                ExpectWord("KEY");
                Expect("(", "'(' and the key's columns");
                var keyColumns = new List<string>();
                do keyColumns.Add(ExpectName("a column of the primary key"));
                while (Accept(","));
                Expect(")", "',' and another key column, or ')'");
                if (!Current.IsWord("NOT") || !Peek().IsWord("ENFORCED"))
                {
                    throw SqlException.At(Current.Position,
                        "the primary key is not checked on the rows read (as in Flink): write PRIMARY KEY (…) NOT ENFORCED.", "NOT ENFORCED");
                }
                _index += 2;
                primaryKey = new PrimaryKeyDefinition(keyColumns, keyPosition);
                continue;
            }
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
            string columnName = ExpectName("a column name, WATERMARK FOR or PRIMARY KEY");
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
        return new CreateTableStatement(name, columns, watermark, options, position, primaryKey);
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
}
