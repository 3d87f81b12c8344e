using System.Threading.Channels;

namespace SensorMaintenance;

/// <summary>
/// A shift on the shop floor (06:00 to 14:00 simulated) as a live feed: each machine runs jobs of 30 to 100
/// minutes with idle gaps of 5 to 25 minutes, and sends a reading every 10 s while it runs, up to 3 s out of
/// order. One simulated minute passes per 10 ms of wall time (or the pace given). Deterministic for its seed.
/// </summary>
public sealed class SensorFeed
{
    public static readonly DateTimeOffset Start = new(2025, 6, 3, 6, 0, 0, TimeSpan.Zero);

    public static readonly TimeSpan Length = TimeSpan.FromHours(8);

    /// <summary>When the wearing machine's vibration starts to creep up, and by how much per hour (a fraction of nominal).</summary>
    public static readonly DateTimeOffset WearStarts = Start.AddHours(3.5);

    public const double WearPerHour = 0.12;

    private static readonly TimeSpan ReadingInterval = TimeSpan.FromSeconds(10);
    private readonly TimeSpan _pace;

    private readonly List<SensorReading[]> _minutes = [];
    private readonly Random _random;

    /// <param name="seed">The random seed: the same seed gives the same feed.</param>
    /// <param name="pace">Wall time per simulated minute (default 10 ms: the shift in about 5 s).</param>
    public SensorFeed(int seed = 5, TimeSpan? pace = null)
    {
        _pace = pace ?? TimeSpan.FromMilliseconds(10);
        _random = new Random(seed);
        var arrivals = new List<(DateTimeOffset Arrival, SensorReading Reading)>();
        var runs = new Dictionary<string, int>();
        foreach (var machine in Machine.Floor)
        {
            var t = Start.AddSeconds(_random.Next(600));
            while (t < Start + Length)
            {
                var end = Min(t.AddMinutes(30 + _random.Next(71)), Start + Length);
                for (var at = t; at < end; at += ReadingInterval)
                {
                    arrivals.Add((at.AddMilliseconds(_random.Next(3_000)), Read(machine, at)));
                }

                runs[machine.Name] = runs.GetValueOrDefault(machine.Name) + 1;
                t = end.AddMinutes(5 + _random.Next(21));
            }
        }

        Runs = runs;
        Count = arrivals.Count;
        var ordered = arrivals.OrderBy(a => a.Arrival).ToList();
        int index = 0;
        for (var minuteEnd = Start.AddMinutes(1); index < ordered.Count; minuteEnd = minuteEnd.AddMinutes(1))
        {
            var minute = new List<SensorReading>();
            while (index < ordered.Count && ordered[index].Arrival < minuteEnd) minute.Add(ordered[index++].Reading);
            _minutes.Add([.. minute]);
        }
    }

    /// <summary>How many runs (jobs) each machine did: what the session windows should find.</summary>
    public IReadOnlyDictionary<string, int> Runs { get; }

    /// <summary>All readings in the feed.</summary>
    public int Count { get; }

    /// <summary>True once <see cref="WriteToAsync"/> wrote the whole shift (not stopped early).</summary>
    public bool Played { get; private set; }

    /// <summary>About how long <see cref="WriteToAsync"/> takes: one pace per simulated minute.</summary>
    public TimeSpan PlayTime => _pace * _minutes.Count;

    /// <summary>Writes the feed into <paramref name="writer"/> at its pace, then completes it.</summary>
    public async Task WriteToAsync(ChannelWriter<SensorReading> writer, CancellationToken cancellationToken = default)
    {
        try
        {
            foreach (var minute in _minutes)
            {
                foreach (var reading in minute) await writer.WriteAsync(reading, cancellationToken);
                await Task.Delay(_pace, cancellationToken);
            }

            Played = true;
        }
        finally
        {
            writer.Complete(); // the end of the shift ends the run: the final watermark closes every window
        }
    }

    private SensorReading Read(Machine machine, DateTimeOffset at)
    {
        double wear = machine.Name == Machine.Wearing && at > WearStarts ? (at - WearStarts).TotalHours * WearPerHour : 0;
        double vibration = machine.NominalVibration * (1 + wear + 0.06 * Gaussian());
        double temperature = 45 + 30 * wear + 0.8 * Gaussian();
        return new SensorReading(machine.Name, at, Math.Round(Math.Max(0, vibration), 3), Math.Round(temperature, 1));
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private double Gaussian()
    {
        double u1 = 1.0 - _random.NextDouble(), u2 = _random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
