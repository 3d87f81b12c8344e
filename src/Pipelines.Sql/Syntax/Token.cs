namespace Pipelines.Sql.Syntax;

/// <summary>A lexical token: its kind, its text (identifiers unquoted, strings unescaped) and where it starts.</summary>
internal readonly record struct Token(TokenKind Kind, string Text, Position Position)
{
    /// <summary>Whether this is the unquoted word <paramref name="word"/> (case-insensitive).</summary>
    public bool IsWord(string word) => Kind == TokenKind.Identifier && string.Equals(Text, word, StringComparison.OrdinalIgnoreCase);

    public bool IsSymbol(string symbol) => Kind == TokenKind.Symbol && Text == symbol;

    /// <summary>How the token reads in an error message.</summary>
    public string Describe() => Kind switch
    {
        TokenKind.End => "the end of the statement",
        TokenKind.String => $"the string '{Text}'",
        TokenKind.QuotedIdentifier => $"`{Text}`",
        _ => $"'{Text}'",
    };
}
