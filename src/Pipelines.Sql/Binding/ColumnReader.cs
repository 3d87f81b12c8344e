using System.Linq.Expressions;

namespace Pipelines.Sql.Binding;

/// <summary>
/// Reads column <paramref name="index"/> of the element a compiled expression runs on, as the nullable .NET type of
/// <paramref name="type"/>: a field of a typed element, a property of a registered stream's element, a part of a
/// window result, or (for rows of unknown layout) the row's indexer.
/// </summary>
/// <param name="index">The column's position in the scope.</param>
/// <param name="type">The column's SQL type.</param>
internal delegate Expression ColumnReader(int index, SqlType type);
