using System.Reflection;
using System.Runtime.CompilerServices;

namespace Pipelines.Operators;

/// <summary>
/// Gives each distinct user function of a per-element operator (<c>Where</c>, <c>Select</c>, their fused forms,
/// <c>WithEventTime</c>) its own copy of the code that calls it. The runtime compiles a generic class once per element
/// type and shares that code between every pipeline of the process with that element type; its dynamic profile then
/// sees the functions of all those pipelines at the one call site, and the JIT inlines the user's function (reading
/// the fields it needs in place instead of copying the whole element onto the stack for a call) only while a single
/// function dominates that site. So a pipeline was fast alone and up to twice as slow once another pipeline over the
/// same element type had run in the process. An operator is therefore created as, say, <c>Where&lt;T, SiteN&gt;</c>,
/// where each site is an empty struct: the runtime compiles a separate body per site, with its own profile. The first
/// <see cref="Count"/> distinct functions get a site each; after that sites are shared again, round robin. Without
/// dynamic code (native AOT) there is no dynamic profile, and every operator uses site 0.
/// </summary>
internal static class CallSites
{
    /// <summary>How many separate copies of a step's code a process can hold per element type.</summary>
    public const int Count = 16;

    private static readonly CallSiteAssigner Assigner = new();

    /// <summary>What <paramref name="factory"/> creates on the call site of <paramref name="function"/>.</summary>
    public static TResult Create<TFactory, TResult>(Delegate function, TFactory factory)
        where TFactory : ISiteFactory<TResult>
    {
        // Folded to a constant by native AOT, which then keeps only this branch's code.
        if (!RuntimeFeature.IsDynamicCodeSupported) return factory.Create<Site0>();
        return Assigner.For(function) switch
        {
            0 => factory.Create<Site0>(),
            1 => factory.Create<Site1>(),
            2 => factory.Create<Site2>(),
            3 => factory.Create<Site3>(),
            4 => factory.Create<Site4>(),
            5 => factory.Create<Site5>(),
            6 => factory.Create<Site6>(),
            7 => factory.Create<Site7>(),
            8 => factory.Create<Site8>(),
            9 => factory.Create<Site9>(),
            10 => factory.Create<Site10>(),
            11 => factory.Create<Site11>(),
            12 => factory.Create<Site12>(),
            13 => factory.Create<Site13>(),
            14 => factory.Create<Site14>(),
            _ => factory.Create<Site15>(),
        };
    }

}

/// <summary>Assigns call sites to functions: the next site to each new method, round robin; a method keeps its site.</summary>
internal sealed class CallSiteAssigner
{
    private readonly ConditionalWeakTable<MethodInfo, StrongBox<int>> _assigned = [];
    private readonly Lock _gate = new();
    private int _next;

    /// <summary>The site of <paramref name="function"/>: the same for every delegate of the same method.</summary>
    public int For(Delegate function)
    {
        lock (_gate)
        {
            if (!_assigned.TryGetValue(function.Method, out var site))
            {
                site = new StrongBox<int>(_next++ % CallSites.Count);
                _assigned.Add(function.Method, site);
            }

            return site.Value;
        }
    }
}

/// <summary>Creates something whose code is specialized for a call site.</summary>
/// <typeparam name="TResult">What it creates.</typeparam>
internal interface ISiteFactory<out TResult>
{
    /// <summary>Creates it on the call site <typeparamref name="TSite"/>.</summary>
    TResult Create<TSite>()
        where TSite : struct;
}

/// <summary>Call site 0 (<see cref="CallSites"/>).</summary>
internal struct Site0 { }

/// <summary>Call site 1 (<see cref="CallSites"/>).</summary>
internal struct Site1 { }

/// <summary>Call site 2 (<see cref="CallSites"/>).</summary>
internal struct Site2 { }

/// <summary>Call site 3 (<see cref="CallSites"/>).</summary>
internal struct Site3 { }

/// <summary>Call site 4 (<see cref="CallSites"/>).</summary>
internal struct Site4 { }

/// <summary>Call site 5 (<see cref="CallSites"/>).</summary>
internal struct Site5 { }

/// <summary>Call site 6 (<see cref="CallSites"/>).</summary>
internal struct Site6 { }

/// <summary>Call site 7 (<see cref="CallSites"/>).</summary>
internal struct Site7 { }

/// <summary>Call site 8 (<see cref="CallSites"/>).</summary>
internal struct Site8 { }

/// <summary>Call site 9 (<see cref="CallSites"/>).</summary>
internal struct Site9 { }

/// <summary>Call site 10 (<see cref="CallSites"/>).</summary>
internal struct Site10 { }

/// <summary>Call site 11 (<see cref="CallSites"/>).</summary>
internal struct Site11 { }

/// <summary>Call site 12 (<see cref="CallSites"/>).</summary>
internal struct Site12 { }

/// <summary>Call site 13 (<see cref="CallSites"/>).</summary>
internal struct Site13 { }

/// <summary>Call site 14 (<see cref="CallSites"/>).</summary>
internal struct Site14 { }

/// <summary>Call site 15 (<see cref="CallSites"/>).</summary>
internal struct Site15 { }
