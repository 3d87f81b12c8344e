using CsvHelper;

namespace Pipelines.Files.Tests;

public sealed record Reading(string Sensor, double Value, DateTimeOffset Time);

public sealed record Line(int Id, string Text);

[CsvRecord]
public sealed partial record Trade(string Symbol, decimal Price, int Quantity);

[CsvRecord]
public sealed partial record Point([property: CsvColumn(Index = 0)] int X, [property: CsvColumn(Index = 1)] int Y);

/// <summary>A collection sink that can be read while the run goes on.</summary>
internal sealed class Collected<T>
{
    private readonly List<T> _items = [];

    public Sink<T> Sink => Sinks.Collection(_items);

    public int Count
    {
        get
        {
            lock (_items) return _items.Count;
        }
    }

    public List<T> Items
    {
        get
        {
            lock (_items) return [.. _items];
        }
    }
}
