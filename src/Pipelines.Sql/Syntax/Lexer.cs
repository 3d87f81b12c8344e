using System.Text;

namespace Pipelines.Sql.Syntax;

/// <summary>
/// Splits SQL text into tokens: identifiers (plain, `back-quoted` or "double-quoted"), 'string literals' with ''
/// for a quote, numbers, symbols; skips whitespace, -- line comments and /* block comments */.
/// </summary>
internal static class Lexer
{
    private static readonly string[] TwoCharSymbols = ["<=", ">=", "<>", "!=", "||", "=>"];

    public static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        int i = 0, line = 1, lineStart = 0;
        while (true)
        {
            // whitespace and comments
            while (i < text.Length)
            {
                char c = text[i];
                if (c == '\n') { i++; line++; lineStart = i; }
                else if (char.IsWhiteSpace(c)) i++;
                else if (c == '-' && i + 1 < text.Length && text[i + 1] == '-')
                {
                    while (i < text.Length && text[i] != '\n') i++;
                }
                else if (c == '/' && i + 1 < text.Length && text[i + 1] == '*')
                {
                    var start = new Position(line, i - lineStart + 1);
                    i += 2;
                    while (i < text.Length && !(text[i] == '*' && i + 1 < text.Length && text[i + 1] == '/'))
                    {
                        if (text[i] == '\n') { line++; lineStart = i + 1; }
                        i++;
                    }
                    if (i >= text.Length) throw SqlException.At(start, "the comment that starts here is never closed with */.", "*/");
                    i += 2;
                }
                else break;
            }
            var pos = new Position(line, i - lineStart + 1);
            if (i >= text.Length)
            {
                tokens.Add(new Token(TokenKind.End, string.Empty, pos));
                return tokens;
            }
            char ch = text[i];
            if (char.IsLetter(ch) || ch == '_')
            {
                int start = i;
                while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] == '_' || text[i] == '$')) i++;
                tokens.Add(new Token(TokenKind.Identifier, text[start..i], pos));
            }
            else if (char.IsDigit(ch) || (ch == '.' && i + 1 < text.Length && char.IsDigit(text[i + 1])))
            {
                int start = i;
                bool isDecimal = false;
                while (i < text.Length && char.IsDigit(text[i])) i++;
                if (i < text.Length && text[i] == '.')
                {
                    isDecimal = true;
                    i++;
                    while (i < text.Length && char.IsDigit(text[i])) i++;
                }
                if (i < text.Length && (text[i] == 'e' || text[i] == 'E'))
                {
                    isDecimal = true;
                    i++;
                    if (i < text.Length && (text[i] == '+' || text[i] == '-')) i++;
                    if (i >= text.Length || !char.IsDigit(text[i])) throw SqlException.At(pos, $"the number '{text[start..i]}' has no digits in its exponent.", "digits");
                    while (i < text.Length && char.IsDigit(text[i])) i++;
                }
                if (i < text.Length && (char.IsLetter(text[i]) || text[i] == '_'))
                {
                    // "1st", "0x1F": not a number followed by a name (which would read as the number, aliased).
                    int end = i;
                    while (end < text.Length && (char.IsLetterOrDigit(text[end]) || text[end] == '_')) end++;
                    throw SqlException.At(pos, $"'{text[start..end]}' is neither a number nor a name (a name starts with a letter; quote it as `{text[start..end]}`).", "a number, or a space between a number and a name");
                }
                tokens.Add(new Token(isDecimal ? TokenKind.Decimal : TokenKind.Integer, text[start..i], pos));
            }
            else if (ch == '\'' || ch == '`' || ch == '"')
            {
                char quote = ch;
                var value = new StringBuilder();
                i++;
                while (true)
                {
                    if (i >= text.Length)
                    {
                        string what = quote == '\'' ? "string" : "quoted name";
                        throw SqlException.At(pos, $"the {what} that starts here is never closed with {quote}.", quote.ToString());
                    }
                    if (text[i] == quote)
                    {
                        if (i + 1 < text.Length && text[i + 1] == quote) { value.Append(quote); i += 2; continue; }
                        i++;
                        break;
                    }
                    if (text[i] == '\n') { line++; lineStart = i + 1; }
                    value.Append(text[i++]);
                }
                tokens.Add(new Token(quote == '\'' ? TokenKind.String : TokenKind.QuotedIdentifier, value.ToString(), pos));
            }
            else
            {
                string two = i + 1 < text.Length ? text.Substring(i, 2) : string.Empty;
                if (Array.IndexOf(TwoCharSymbols, two) >= 0)
                {
                    tokens.Add(new Token(TokenKind.Symbol, two == "!=" ? "<>" : two, pos));
                    i += 2;
                }
                else if ("(),;.*+-/%=<>".Contains(ch, StringComparison.Ordinal))
                {
                    tokens.Add(new Token(TokenKind.Symbol, ch.ToString(), pos));
                    i++;
                }
                else
                {
                    throw SqlException.At(pos, $"unexpected character '{ch}'.", "a name, a literal, an operator or a parenthesis");
                }
            }
        }
    }
}
