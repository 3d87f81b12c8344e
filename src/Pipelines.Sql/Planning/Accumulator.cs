using System.Globalization;
using Pipelines.Sql.Binding;

namespace Pipelines.Sql.Planning;

/// <summary>The running state of one aggregate call in one (key, window).</summary>
internal abstract class Accumulator
{
    public abstract void Add(object? value);

    public abstract void Merge(Accumulator other);

    public abstract object? Result { get; }

    public static Accumulator Create(AggregateCall call) => call.Kind switch
    {
        AggregateKind.CountStar or AggregateKind.Count => new CountAccumulator(),
        AggregateKind.CountDistinct => new DistinctAccumulator(),
        AggregateKind.Sum or AggregateKind.Avg => call.ArgumentType.Kind switch
        {
            SqlTypeKind.Double => new DoubleSumAccumulator(call.Kind == AggregateKind.Avg),
            SqlTypeKind.Decimal => new DecimalSumAccumulator(call.Kind == AggregateKind.Avg, call.ResultType.Scale),
            _ => new IntegerSumAccumulator(call.Kind == AggregateKind.Avg),
        },
        AggregateKind.Min => new ExtremeAccumulator(-1),
        _ => new ExtremeAccumulator(1),
    };

    /// <summary>COUNT(x) counts non-NULL values; COUNT(*) gets a non-NULL marker per row.</summary>
    private sealed class CountAccumulator : Accumulator
    {
        private long _count;

        public override void Add(object? value)
        {
            if (value is not null) _count++;
        }

        public override void Merge(Accumulator other) => _count += ((CountAccumulator)other)._count;

        public override object? Result => _count;
    }

    private sealed class DistinctAccumulator : Accumulator
    {
        private readonly HashSet<object> _seen = [];

        public override void Add(object? value)
        {
            if (value is not null) _seen.Add(value);
        }

        public override void Merge(Accumulator other) => _seen.UnionWith(((DistinctAccumulator)other)._seen);

        public override object? Result => (long)_seen.Count;
    }

    private sealed class IntegerSumAccumulator(bool average) : Accumulator
    {
        private long _sum;
        private long _count;

        public override void Add(object? value)
        {
            if (value is null) return;
            _sum = checked(_sum + Convert.ToInt64(value, CultureInfo.InvariantCulture));
            _count++;
        }

        public override void Merge(Accumulator other)
        {
            var o = (IntegerSumAccumulator)other;
            _sum = checked(_sum + o._sum);
            _count += o._count;
        }

        public override object? Result => _count == 0 ? null : average ? (object)((double)_sum / _count) : _sum;
    }

    private sealed class DoubleSumAccumulator(bool average) : Accumulator
    {
        private double _sum;
        private long _count;

        public override void Add(object? value)
        {
            if (value is null) return;
            _sum += (double)value;
            _count++;
        }

        public override void Merge(Accumulator other)
        {
            var o = (DoubleSumAccumulator)other;
            _sum += o._sum;
            _count += o._count;
        }

        public override object? Result => _count == 0 ? null : average ? (object)(_sum / _count) : _sum;
    }

    private sealed class DecimalSumAccumulator(bool average, int scale) : Accumulator
    {
        private decimal _sum;
        private long _count;

        public override void Add(object? value)
        {
            if (value is null) return;
            _sum += (decimal)value;
            _count++;
        }

        public override void Merge(Accumulator other)
        {
            var o = (DecimalSumAccumulator)other;
            _sum += o._sum;
            _count += o._count;
        }

        public override object? Result => _count == 0 ? null : average ? (object)Math.Round(_sum / _count, scale, MidpointRounding.AwayFromZero) : _sum;
    }

    private sealed class ExtremeAccumulator(int sign) : Accumulator
    {
        private object? _best;

        public override void Add(object? value)
        {
            if (value is null) return;
            if (_best is null || sign * Comparer<object>.Default.Compare(value, _best) > 0) _best = value;
        }

        public override void Merge(Accumulator other) => Add(((ExtremeAccumulator)other)._best);

        public override object? Result => _best;
    }
}
