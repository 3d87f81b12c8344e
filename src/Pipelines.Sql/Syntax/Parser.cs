using System.Globalization;

namespace Pipelines.Sql.Syntax;

/// <summary>
/// A hand-written recursive-descent parser for the dialect: one method per rule, one token of look-ahead (two
/// for aliases and qualified names). Every error names the position of the token it stopped at, what it
/// expected there and what it found.
/// </summary>
internal sealed partial class Parser
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
