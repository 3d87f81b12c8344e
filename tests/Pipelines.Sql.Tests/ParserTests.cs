using Pipelines.Sql.Syntax;

namespace Pipelines.Sql.Tests;

public sealed class ParserTests
{
    [Fact]
    public void Script_ParsesEveryStatementKind()
    {
        var statements = Parser.ParseScript("""
            -- a comment
            CREATE TABLE clicks (
              `user` STRING, url VARCHAR(200), n INT, total BIGINT, score DOUBLE, price DECIMAL(10, 2), ok BOOLEAN,
              ts TIMESTAMP(3), ltz TIMESTAMP_LTZ(3), day DATE,
              WATERMARK FOR ts AS ts - INTERVAL '5' SECOND
            ) WITH ('connector' = 'filesystem', 'path' = 'clicks.csv', 'format' = 'csv');
            SET 'table.exec.allowed-lateness' = '1 min';
            /* block
               comment */
            EXPLAIN SELECT * FROM clicks;
            INSERT INTO out SELECT `user`, COUNT(*) FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY `user`, window_start, window_end;
            SELECT a.x FROM a JOIN b ON a.k = b.k AND b.ts BETWEEN a.ts - INTERVAL '1' MINUTE AND a.ts + INTERVAL '1' MINUTE ORDER BY 1 DESC LIMIT 10
            """);
        statements.Select(s => s.GetType().Name).Should().Equal(
            nameof(CreateTableStatement), nameof(SetStatement), nameof(ExplainStatement), nameof(InsertStatement), nameof(QueryStatement));
        var create = (CreateTableStatement)statements[0];
        create.Columns.Select(c => c.Type.ToString()).Should().Equal(
            "STRING", "STRING", "INT", "BIGINT", "DOUBLE", "DECIMAL(10, 2)", "BOOLEAN", "TIMESTAMP(3)", "TIMESTAMP_LTZ(3)", "DATE");
        create.Columns[0].Name.Should().Be("user");
        create.Watermark!.Expression.Text.Should().Be("(ts - INTERVAL '5' SECOND)");
        create.Options["format"].Should().Be("csv");
        var insert = (InsertStatement)statements[3];
        ((WindowFrom)insert.Query.From).Kind.Should().Be(WindowKind.Tumble);
        var query = ((QueryStatement)statements[4]).Query;
        query.Limit.Should().Be(10);
        query.OrderBy[0].Descending.Should().BeTrue();
        ((JoinFrom)query.From).On.Should().BeOfType<BinaryExpr>();
    }

    [Theory]
    [InlineData("1 + 2 * 3", "(1 + (2 * 3))")]
    [InlineData("a OR b AND NOT c", "(a OR (b AND (NOT c)))")]
    [InlineData("x NOT BETWEEN 1 AND 2 + 3", "(x NOT BETWEEN 1 AND (2 + 3))")]
    [InlineData("s NOT LIKE 'a%' AND t IN (1, 2)", "((s NOT LIKE 'a%') AND (t IN (1, 2)))")]
    [InlineData("CASE WHEN a IS NOT NULL THEN 'x' ELSE 'it''s' END", "CASE WHEN (a IS NOT NULL) THEN 'x' ELSE 'it''s' END")]
    [InlineData("CAST(a AS DECIMAL(5, 1)) || -b", "(CAST(a AS DECIMAL(5, 1)) || (- b))")]
    [InlineData("count(DISTINCT t.a) >= -1.5e2", "(COUNT(DISTINCT t.a) >= -150)")]
    public void Expressions_FollowPrecedence(string text, string expected) =>
        Parser.ParseExpression(text).Text.Should().Be(expected);

    [Theory]
    [InlineData("SELEC * FROM t", 1, 1, "a statement")]
    [InlineData("SELECT a,\n  FROM t", 2, 3, "an expression")]
    [InlineData("SELECT a FROM t WHERE", 1, 22, "an expression")]
    [InlineData("CREATE TABLE t (a INTEGR)", 1, 19, "a type")]
    [InlineData("CREATE TABLE t (a INT", 1, 22, "',' and another column, or ')' to close the column list")]
    [InlineData("SELECT 'abc FROM t", 1, 8, "'")]
    [InlineData("SELECT a FROM t;\nSELECT b FROM t WHERE c = INTERVAL '5' YEARS", 2, 40, "an interval unit")]
    [InlineData("SELECT a FROM TABLE(WINDOW(TABLE t, DESCRIPTOR(ts), INTERVAL '1' MINUTE))", 1, 21, "TUMBLE, HOP, SESSION or CUMULATE")]
    [InlineData("SELECT a FROM t LEFT JOIN u ON t.a = u.a", 1, 17, "JOIN")]
    [InlineData("SELECT a FROM t GROUP a", 1, 23, "BY")]
    public void Errors_SayWhereAndWhatWasExpected(string text, int line, int column, string expected)
    {
        var act = () => Parser.ParseScript(text);
        var error = act.Should().Throw<SqlException>().Which;
        error.Line.Should().Be(line);
        error.Column.Should().Be(column);
        error.Expected.Should().StartWith(expected);
        error.Message.Should().StartWith($"line {line}, column {column}: ");
    }

    [Fact]
    public void Error_NamesWhatWasFound()
    {
        var act = () => Parser.ParseScript("SELECT a FROM t WHERE a = = 1");
        act.Should().Throw<SqlException>().WithMessage("line 1, column 27: expected an expression, but found '='.");
    }
}
