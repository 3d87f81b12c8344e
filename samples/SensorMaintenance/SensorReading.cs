namespace SensorMaintenance;

/// <summary>One reading of a machine's sensors: vibration (mm/s RMS) and bearing temperature (°C).</summary>
public sealed record SensorReading(string Machine, DateTimeOffset Time, double Vibration, double Temperature);
