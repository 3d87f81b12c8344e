namespace Pipelines.Sql.Syntax;

internal enum TokenKind
{
    End,
    Identifier,
    QuotedIdentifier,
    String,
    Integer,
    Decimal,
    Symbol,
}
