using System.Collections;
using CsCheck;

namespace Pipelines.Tests.Aggregation;

/// <summary>
/// The laws <see cref="IAggregator{TIn,TAcc,TOut}"/> documents and the executors rely on, checked on the built-in
/// aggregators through the public interface: Merge is associative, CreateAccumulator is its identity, and a list
/// added to two accumulators split at any point then merged equals the list added to one. Each case also checks
/// the result against a LINQ-to-objects oracle. Data are integer-valued so double sums are exact.
/// </summary>
public class AggregatorLawTests
{
    private const string NoValue = "<no value>";

    private static readonly Gen<int> SmallInt = Gen.Int[-1000, 1000];

    [Fact]
    public void Count_SatisfiesTheMergeLaws() =>
        CheckLaws(Aggregations.Count<int>(), SmallInt, xs => (long)xs.Count);

    [Fact]
    public void SumInt_SatisfiesTheMergeLaws() =>
        CheckLaws(Aggregations.Sum((int x) => x), SmallInt, xs => xs.Sum());

    [Fact]
    public void SumLong_SatisfiesTheMergeLaws() =>
        CheckLaws(Aggregations.Sum((long x) => x), Gen.Long[-1_000_000_000_000L, 1_000_000_000_000L], xs => xs.Sum());

    [Fact]
    public void SumDouble_SatisfiesTheMergeLaws() =>
        CheckLaws(Aggregations.Sum((double x) => x), SmallInt.Select(i => (double)i), xs => xs.Sum());

    [Fact]
    public void SumDecimal_SatisfiesTheMergeLaws() =>
        CheckLaws(Aggregations.Sum((decimal x) => x), Gen.Int[-100_000, 100_000].Select(i => i / 100m), xs => xs.Sum());

    [Fact]
    public void SumOfProjection_SatisfiesTheMergeLaws() =>
        CheckLaws(Aggregations.Sum(((string Name, int Amount) x) => x.Amount), Gen.Select(Gen.String, SmallInt), xs => xs.Sum(x => x.Item2));

    [Fact]
    public void Min_SatisfiesTheMergeLaws() =>
        CheckLaws(Aggregations.Min((int x) => x), SmallInt, xs => xs.Count == 0 ? NoValue : xs.Min());

    [Fact]
    public void Max_SatisfiesTheMergeLaws() =>
        CheckLaws(Aggregations.Max((int x) => x), SmallInt, xs => xs.Count == 0 ? NoValue : xs.Max());

    [Fact]
    public void MaxOfStrings_SatisfiesTheMergeLaws() =>
        CheckLaws(Aggregations.Max((string s) => s), Gen.Char['a', 'z'].Array[0, 5].Select(cs => new string(cs)), xs => xs.Count == 0 ? NoValue : xs.Max(StringComparer.CurrentCulture));

    [Fact]
    public void Average_SatisfiesTheMergeLaws() =>
        CheckLaws(Aggregations.Average((int x) => x), SmallInt, xs => xs.Count == 0 ? double.NaN : xs.Average());

    [Fact]
    public void TopK_SatisfiesTheMergeLaws_IncludingTieOrder()
    {
        // Few distinct scores, so ties are common; the id tells tied elements apart.
        var element = Gen.Select(Gen.Int[0, 5], Gen.Int[0, 1_000_000]);
        CheckLaws(
            Aggregations.TopK(4, ((int Score, int Id) x) => x.Score),
            element,
            xs => xs.Select((x, i) => (x, i)).OrderByDescending(p => p.x.Item1).ThenBy(p => p.i).Take(4).Select(p => (object?)p.x).ToList());
    }

    [Fact]
    public void Reduce_WithAnAssociativeNonCommutativeFunction_SatisfiesTheMergeLaws() =>
        CheckLaws(Aggregations.Reduce((string a, string b) => a + b), Gen.Char['a', 'e'].Select(c => c.ToString()), xs => xs.Count == 0 ? NoValue : string.Concat(xs));

    [Fact]
    public void First_ThroughThePublicAddWithoutEventTime_Throws_ExplainingItNeedsAWindow()
    {
        var first = Aggregations.First<int>();

        var act = () => first.Add(first.CreateAccumulator(), 1);

        act.Should().Throw<InvalidOperationException>().WithMessage("*event time*window*");
    }

    private static void CheckLaws<TIn, TAcc, TOut>(IAggregator<TIn, TAcc, TOut> aggregator, Gen<TIn> element, Func<IReadOnlyList<TIn>, object?> oracle)
    {
        var list = element.List[0, 25];

        TAcc Acc(IEnumerable<TIn> items)
        {
            var acc = aggregator.CreateAccumulator();
            foreach (var item in items) acc = aggregator.Add(acc, item);
            return acc;
        }

        void Same(TAcc actual, object? expected, string law)
        {
            Outcome(aggregator, actual).Should().BeEquivalentTo(expected, o => o.WithStrictOrdering(), law);
        }

        // Merge is associative.
        Gen.Select(list, list, list).Sample((xs, ys, zs) =>
        {
            var left = aggregator.Merge(aggregator.Merge(Acc(xs), Acc(ys)), Acc(zs));
            var right = aggregator.Merge(Acc(xs), aggregator.Merge(Acc(ys), Acc(zs)));
            Same(left, Outcome(aggregator, right), "Merge must be associative");
            Same(left, Normalize(oracle([.. xs, .. ys, .. zs])), "the merged result must match the oracle");
        }, iter: 300, threads: 1);

        // CreateAccumulator is the identity of Merge, on both sides.
        list.Sample(xs =>
        {
            object? expected = Normalize(oracle(xs));
            Same(Acc(xs), expected, "adding the elements must match the oracle");
            Same(aggregator.Merge(aggregator.CreateAccumulator(), Acc(xs)), expected, "an empty accumulator on the left must be an identity");
            Same(aggregator.Merge(Acc(xs), aggregator.CreateAccumulator()), expected, "an empty accumulator on the right must be an identity");
        }, iter: 300, threads: 1);

        // Splitting the input at any point and merging the two parts equals adding everything to one accumulator.
        Gen.Select(list, Gen.Double[0, 1]).Sample((xs, at) =>
        {
            int split = Math.Min(xs.Count, (int)(at * (xs.Count + 1)));
            var merged = aggregator.Merge(Acc(xs.Take(split)), Acc(xs.Skip(split)));
            Same(merged, Outcome(aggregator, Acc(xs)), $"splitting at {split} of {xs.Count} must not change the result");
        }, iter: 300, threads: 1);
    }

    private static object? Outcome<TIn, TAcc, TOut>(IAggregator<TIn, TAcc, TOut> aggregator, TAcc accumulator)
    {
        try
        {
            return Normalize(aggregator.GetResult(accumulator));
        }
        catch (InvalidOperationException)
        {
            return NoValue;
        }
    }

    private static object? Normalize(object? value) => value is IEnumerable items and not string ? items.Cast<object?>().ToList() : value;
}
