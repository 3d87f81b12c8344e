namespace Pipelines.Sql;

/// <summary>A SQL type: its kind and, for DECIMAL, precision and scale.</summary>
/// <param name="Kind">The kind.</param>
/// <param name="Precision">DECIMAL precision (digits), TIMESTAMP fractional digits; 0 otherwise.</param>
/// <param name="Scale">DECIMAL scale; 0 otherwise.</param>
public sealed record SqlType(SqlTypeKind Kind, int Precision = 0, int Scale = 0)
{
    /// <summary>BOOLEAN.</summary>
    public static SqlType Boolean { get; } = new(SqlTypeKind.Boolean);

    /// <summary>INT.</summary>
    public static SqlType Int { get; } = new(SqlTypeKind.Int);

    /// <summary>BIGINT.</summary>
    public static SqlType BigInt { get; } = new(SqlTypeKind.BigInt);

    /// <summary>DOUBLE.</summary>
    public static SqlType Double { get; } = new(SqlTypeKind.Double);

    /// <summary>STRING.</summary>
    public static SqlType String { get; } = new(SqlTypeKind.String);

    /// <summary>TIMESTAMP(3).</summary>
    public static SqlType Timestamp { get; } = new(SqlTypeKind.Timestamp, 3);

    /// <summary>TIMESTAMP_LTZ(3).</summary>
    public static SqlType TimestampLtz { get; } = new(SqlTypeKind.TimestampLtz, 3);

    /// <summary>DATE.</summary>
    public static SqlType Date { get; } = new(SqlTypeKind.Date);

    /// <summary>INTERVAL.</summary>
    public static SqlType Interval { get; } = new(SqlTypeKind.Interval);

    internal static SqlType Null { get; } = new(SqlTypeKind.Null);

    /// <summary>DECIMAL(precision, scale).</summary>
    /// <param name="precision">1 to 28 digits.</param>
    /// <param name="scale">0 to precision digits after the point.</param>
    public static SqlType Decimal(int precision = 10, int scale = 0) => new(SqlTypeKind.Decimal, precision, scale);

    /// <summary>Whether values of this type are numbers.</summary>
    public bool IsNumeric => Kind is SqlTypeKind.Int or SqlTypeKind.BigInt or SqlTypeKind.Double or SqlTypeKind.Decimal;

    /// <summary>Whether values of this type are points in time.</summary>
    public bool IsTimestamp => Kind is SqlTypeKind.Timestamp or SqlTypeKind.TimestampLtz;

    /// <summary>The .NET type of a value (not nullable).</summary>
    public Type ClrType => Kind switch
    {
        SqlTypeKind.Boolean => typeof(bool),
        SqlTypeKind.Int => typeof(int),
        SqlTypeKind.BigInt => typeof(long),
        SqlTypeKind.Double => typeof(double),
        SqlTypeKind.Decimal => typeof(decimal),
        SqlTypeKind.String => typeof(string),
        SqlTypeKind.Timestamp or SqlTypeKind.TimestampLtz => typeof(DateTimeOffset),
        SqlTypeKind.Date => typeof(DateOnly),
        SqlTypeKind.Interval => typeof(TimeSpan),
        _ => typeof(object),
    };

    /// <summary>The .NET type that also holds NULL: <see cref="Nullable{T}"/> for value types.</summary>
    internal Type NullableClrType => ClrType.IsValueType ? typeof(Nullable<>).MakeGenericType(ClrType) : ClrType;

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        SqlTypeKind.Null => "NULL",
        SqlTypeKind.Boolean => "BOOLEAN",
        SqlTypeKind.Int => "INT",
        SqlTypeKind.BigInt => "BIGINT",
        SqlTypeKind.Double => "DOUBLE",
        SqlTypeKind.Decimal => $"DECIMAL({Precision}, {Scale})",
        SqlTypeKind.String => "STRING",
        SqlTypeKind.Timestamp => $"TIMESTAMP({Precision})",
        SqlTypeKind.TimestampLtz => $"TIMESTAMP_LTZ({Precision})",
        SqlTypeKind.Date => "DATE",
        SqlTypeKind.Interval => "INTERVAL",
        _ => Kind.ToString().ToUpperInvariant(),
    };

    /// <summary>The SQL type of a .NET property type, or null when it has none.</summary>
    internal static SqlType? FromClr(Type type)
    {
        type = System.Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(bool)) return Boolean;
        if (type == typeof(int) || type == typeof(short) || type == typeof(byte)) return Int;
        if (type == typeof(long)) return BigInt;
        if (type == typeof(double) || type == typeof(float)) return Double;
        if (type == typeof(decimal)) return Decimal(28, 6);
        if (type == typeof(string) || type.IsEnum) return String;
        if (type == typeof(DateTimeOffset) || type == typeof(DateTime)) return Timestamp;
        if (type == typeof(DateOnly)) return Date;
        return null;
    }
}
