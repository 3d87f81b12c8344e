namespace Pipelines;

/// <summary>The length of a calendar window (<see cref="Windows.Calendar"/>).</summary>
public enum CalendarUnit
{
    /// <summary>A local day, midnight to midnight (23 or 25 hours on days the clocks change).</summary>
    Day,

    /// <summary>A local week, from midnight at the start of the week's first day.</summary>
    Week,

    /// <summary>A local month, from midnight on the first.</summary>
    Month,

    /// <summary>A local year, from midnight on the first of January.</summary>
    Year,
}
