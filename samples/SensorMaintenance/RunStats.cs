namespace SensorMaintenance;

/// <summary>What a machine did during one run (a session of readings): how many readings, its mean vibration and its hottest bearing temperature.</summary>
public readonly record struct RunStats(int Readings, double VibrationSum, double MaxTemperature)
{
    public double MeanVibration => Readings == 0 ? 0 : VibrationSum / Readings;
}
