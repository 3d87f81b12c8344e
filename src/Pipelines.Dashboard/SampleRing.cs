namespace Pipelines.Dashboard;

/// <summary>A fixed-size ring of samples; the oldest is overwritten.</summary>
internal sealed class SampleRing(int capacity)
{
    private readonly Sample[] _items = new Sample[capacity];
    private readonly Lock _lock = new();
    private int _next;
    private int _count;

    public Sample? Last
    {
        get
        {
            lock (_lock) return _count == 0 ? null : _items[(_next - 1 + _items.Length) % _items.Length];
        }
    }

    public void Add(Sample sample)
    {
        lock (_lock)
        {
            _items[_next] = sample;
            _next = (_next + 1) % _items.Length;
            _count = Math.Min(_count + 1, _items.Length);
        }
    }

    public List<Sample> ToList()
    {
        lock (_lock)
        {
            var list = new List<Sample>(_count);
            for (int i = _count; i > 0; i--) list.Add(_items[(_next - i + _items.Length) % _items.Length]);
            return list;
        }
    }
}
