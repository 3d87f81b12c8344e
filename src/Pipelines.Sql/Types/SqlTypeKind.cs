namespace Pipelines.Sql;

/// <summary>The SQL types of the dialect.</summary>
public enum SqlTypeKind
{
    /// <summary>NULL literal before it meets a typed operand.</summary>
    Null,

    /// <summary>BOOLEAN: <see cref="bool"/>.</summary>
    Boolean,

    /// <summary>INT: <see cref="int"/>.</summary>
    Int,

    /// <summary>BIGINT: <see cref="long"/>.</summary>
    BigInt,

    /// <summary>DOUBLE: <see cref="double"/>.</summary>
    Double,

    /// <summary>DECIMAL(p, s): <see cref="decimal"/>.</summary>
    Decimal,

    /// <summary>STRING / VARCHAR: <see cref="string"/>.</summary>
    String,

    /// <summary>TIMESTAMP(3): <see cref="DateTimeOffset"/> in UTC.</summary>
    Timestamp,

    /// <summary>TIMESTAMP_LTZ(3): <see cref="DateTimeOffset"/> in UTC.</summary>
    TimestampLtz,

    /// <summary>DATE: <see cref="DateOnly"/>.</summary>
    Date,

    /// <summary>INTERVAL (day to second): <see cref="TimeSpan"/>; only in expressions.</summary>
    Interval,
}
