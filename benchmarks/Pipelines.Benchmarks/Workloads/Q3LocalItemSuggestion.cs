using System.Runtime.InteropServices;
using Pipelines.Benchmarks.Data;
using Pipelines.Benchmarks.Infrastructure;

namespace Pipelines.Benchmarks.Workloads;

/// <summary>Result of Q3: a seller in OR, ID or CA and one of their category-10 auctions.</summary>
public readonly record struct Q3Out(string Name, string City, string State, long Auction) : IResult<Q3Out>
{
    public ulong Hash() => Hashing.Combine(Hashing.Of(Name), Hashing.Of(City), Hashing.Of(State), (ulong)Auction);

    public int CompareTo(Q3Out other)
    {
        int c = Auction.CompareTo(other.Auction);
        if (c == 0) c = string.CompareOrdinal(Name, other.Name);
        if (c == 0) c = string.CompareOrdinal(City, other.City);
        return c != 0 ? c : string.CompareOrdinal(State, other.State);
    }
}

/// <summary>
/// Q3: local item suggestion — persons in OR, ID or CA joined with the category-10 auctions they sell
/// (<c>auction.seller = person.id</c>), incrementally: a result as soon as both sides have arrived, whatever their
/// order. nexmark/nexmark's SQL is an unbounded inner join; Beam writes it as a stateful function keyed by
/// person id that keeps the person and the auctions waiting for it. The final results are the join's rows.
/// </summary>
public sealed class Q3LocalItemSuggestion : NexmarkWorkload<Q3Out>
{
    private const long Category = 10;

    public Q3LocalItemSuggestion()
    {
        Add(Contenders.HandLoop, static (input, output) =>
        {
            // One pass in arrival order: auctions whose seller has not arrived yet wait for them.
            var persons = new Dictionary<long, Person>();
            var waiting = new Dictionary<long, List<long>>();
            foreach (ref readonly var e in input.AsSpan())
            {
                if (e.Kind == EventKind.Person)
                {
                    var p = e.Person!;
                    if (!IsLocal(p)) continue;
                    persons.Add(p.Id, p);
                    if (waiting.Remove(p.Id, out var auctions))
                    {
                        foreach (long auction in auctions) output.Add(new Q3Out(p.Name, p.City, p.State, auction));
                    }
                }
                else if (e.Kind == EventKind.Auction && e.Auction!.Category == Category)
                {
                    if (persons.TryGetValue(e.Auction.Seller, out var p))
                    {
                        output.Add(new Q3Out(p.Name, p.City, p.State, e.Auction.Id));
                    }
                    else
                    {
                        ref var list = ref CollectionsMarshal.GetValueRefOrAddDefault(waiting, e.Auction.Seller, out _);
                        (list ??= []).Add(e.Auction.Id);
                    }
                }
            }
        });

        Add(Contenders.Linq, static (input, output) =>
        {
            var results = input.Where(e => e.Kind == EventKind.Person && IsLocal(e.Person!)).Join(
                input.Where(e => e.Kind == EventKind.Auction && e.Auction!.Category == Category),
                pe => pe.Person!.Id,
                ae => ae.Auction!.Seller,
                (pe, ae) => new Q3Out(pe.Person!.Name, pe.Person.City, pe.Person.State, ae.Auction!.Id));
            foreach (var r in results) output.Add(r);
        });

        AddStatefulPeers(static () => new Q3Operator());

        AddPipelines(static (p, input, output) =>
            Events(p, input)
                .Where(e => Takes(e))
                .KeyBy(e => e.Kind == EventKind.Person ? e.Person!.Id : e.Auction!.Seller)
                .Process(static () => new Q3JoinFunction())
                .To(new CollectorSink<Q3Out>(output)));
    }

    public override string Name => "Q3";

    public override string Description => "NEXMark Q3: local item suggestion — persons in OR, ID or CA joined incrementally with their category-10 auctions";

    /// <summary>Whether the person lives in one of Q3's states.</summary>
    internal static bool IsLocal(Person p) => p.State is "OR" or "ID" or "CA";

    /// <summary>Whether an event takes part in Q3 (a local person or a category-10 auction).</summary>
    internal static bool Takes(in NexmarkEvent e) =>
        (e.Kind == EventKind.Person && IsLocal(e.Person!)) || (e.Kind == EventKind.Auction && e.Auction!.Category == Category);
}

/// <summary>
/// Q3's join on Pipelines, keyed by person id (= seller): the person in value state, the auctions that arrived
/// before it in list state. Persons are kept for the whole run (the unbounded join of the SQL; Beam drops a person
/// after a configurable wait, longer than these runs).
/// </summary>
internal sealed class Q3JoinFunction : KeyedProcessFunction<long, NexmarkEvent, Q3Out>
{
    private ValueState<Person> _person = null!;
    private ListState<Auction> _waiting = null!;

    public override void Open(KeyedStateRegistry state)
    {
        _person = state.Value<Person>("person");
        _waiting = state.List<Auction>("auctions-waiting");
    }

    public override void ProcessElement(NexmarkEvent element, KeyedProcessContext<long, Q3Out> context)
    {
        if (element.Kind == EventKind.Person)
        {
            var p = element.Person!;
            _person.Value = p;
            foreach (var a in _waiting.Items) context.Emit(new Q3Out(p.Name, p.City, p.State, a.Id));
            _waiting.Clear();
        }
        else if (_person.HasValue)
        {
            var p = _person.Value;
            context.Emit(new Q3Out(p.Name, p.City, p.State, element.Auction!.Id));
        }
        else
        {
            _waiting.Add(element.Auction!);
        }
    }
}

/// <summary>Q3 for the peers: the same incremental join over dictionaries (no event time needed).</summary>
internal sealed class Q3Operator : IPeerOperator<NexmarkEvent, Q3Out>
{
    private readonly Dictionary<long, Person> _persons = [];
    private readonly Dictionary<long, List<Auction>> _waiting = [];

    public Q3Out[] Add(in NexmarkEvent element)
    {
        if (!Q3LocalItemSuggestion.Takes(element)) return [];
        if (element.Kind == EventKind.Person)
        {
            var p = element.Person!;
            _persons.Add(p.Id, p);
            if (!_waiting.Remove(p.Id, out var auctions)) return [];
            var results = new Q3Out[auctions.Count];
            for (int i = 0; i < results.Length; i++) results[i] = new Q3Out(p.Name, p.City, p.State, auctions[i].Id);
            return results;
        }

        var a = element.Auction!;
        if (_persons.TryGetValue(a.Seller, out var person)) return [new Q3Out(person.Name, person.City, person.State, a.Id)];
        if (!_waiting.TryGetValue(a.Seller, out var list)) _waiting[a.Seller] = list = [];
        list.Add(a);
        return [];
    }

    public Q3Out[] Flush() => [];
}
