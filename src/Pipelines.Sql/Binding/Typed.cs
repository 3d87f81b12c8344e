using System.Linq.Expressions;

namespace Pipelines.Sql.Binding;

/// <summary>A bound expression: a LINQ expression tree of the type's nullable .NET type, and its SQL type.</summary>
internal sealed record Typed(Expression Expression, SqlType Type);
