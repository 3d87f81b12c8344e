using Pipelines.Operators;
using Pipelines.Runtime;

namespace Pipelines.Tests.Runtime;

/// <summary>
/// Each distinct user function gets its own copy of the per-element code that calls it, so the runtime's profile of
/// one pipeline's function is not mixed with another's: the same function (the same method, whatever the delegate
/// instance) always gets the same copy, different functions different copies until the sites are all taken.
/// </summary>
public class CallSitesTests
{
    private readonly struct SiteOf : ISiteFactory<Type>
    {
        public Type Create<TSite>()
            where TSite : struct => typeof(TSite);
    }

    private static Type Site(Delegate function) => CallSites.Create<SiteOf, Type>(function, default);

    private sealed record Threshold(int Limit)
    {
        public bool Below(int x) => x < Limit;
    }

    [Fact]
    public void TheSameMethod_GetsTheSameSite_WhateverTheDelegateInstance()
    {
        Func<int, bool> first = new Threshold(3).Below, second = new Threshold(7).Below;

        first.Should().NotBeSameAs(second);
        Site(first).Should().Be(Site(second));
    }

    /// <summary>Twenty distinct lambdas, each its own method: more than there are sites.</summary>
    private static readonly Func<int, int>[] Functions =
    [
        x => x + 1, x => x + 2, x => x + 3, x => x + 4, x => x + 5, x => x + 6, x => x + 7, x => x + 8,
        x => x + 9, x => x + 10, x => x + 11, x => x + 12, x => x + 13, x => x + 14, x => x + 15, x => x + 16,
        x => x * 3, x => x - 7, x => x ^ 5, x => x % 1000,
    ];

    [Fact]
    public void DistinctFunctions_GetDistinctSites_UntilTheSitesAreAllTaken_ThenShareThemRoundRobin()
    {
        // An assigner of its own: the process-wide one also serves every other test's pipelines, concurrently.
        var assigner = new CallSiteAssigner();

        var sites = Functions.Select(assigner.For).ToList();

        sites[..CallSites.Count].Should().Equal(Enumerable.Range(0, CallSites.Count));
        sites[CallSites.Count..].Should().Equal(Enumerable.Range(0, Functions.Length - CallSites.Count), "after the sixteenth, sites are shared again");
        Functions.Select(assigner.For).Should().Equal(sites, "a function keeps its site");
    }

    [Fact]
    public void OperatorsAreCreatedOnTheirFunctionsSite_AnEmptyStruct_TheSameEachTime()
    {
        var sites = Functions.Select(Site).ToList();

        sites.Should().OnlyContain(t => t.IsValueType && t.Name.StartsWith("Site", StringComparison.Ordinal));
        Functions.Select(Site).Should().Equal(sites, "a function keeps its site");
    }

    [Fact]
    public async Task ARunWithMoreDistinctFunctionsThanSites_GivesLinqsResults()
    {
        var results = await TestSupport.BoundedRun.CollectAsync(p =>
        {
            var stream = p.From(Sources.Enumerable(Enumerable.Range(0, 50)));
            foreach (var function in Functions) stream = stream.Select(function).Where(x => x % 11 != 0);
            return stream;
        });

        var expected = Enumerable.Range(0, 50);
        foreach (var function in Functions) expected = expected.Select(function).Where(x => x % 11 != 0);
        results.Should().Equal(expected);
    }
}
