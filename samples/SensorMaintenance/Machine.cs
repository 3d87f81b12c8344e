namespace SensorMaintenance;

/// <summary>A machine on the shop floor and the vibration it is specified to run at.</summary>
public sealed record Machine(string Name, double NominalVibration)
{
    /// <summary>The shop floor. mill-1 has a wearing bearing: its vibration creeps up during the shift.</summary>
    public static readonly IReadOnlyList<Machine> Floor =
    [
        new("press-1", 2.0), new("press-2", 2.2), new("lathe-1", 1.5), new("lathe-2", 1.6), new("mill-1", 2.0), new("robot-1", 0.8),
    ];

    /// <summary>The machine whose bearing wears during the shift.</summary>
    public const string Wearing = "mill-1";

    public static double Nominal(string name) => Floor.First(m => m.Name == name).NominalVibration;
}
