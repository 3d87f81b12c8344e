using Pipelines.Benchmarks.Infrastructure;

namespace Pipelines.Benchmarks.Data;

/// <summary>What a NEXMark event carries.</summary>
public enum EventKind : byte
{
    Person,
    Auction,
    Bid,
}

/// <summary>A new user of the auction site.</summary>
public sealed record Person(long Id, string Name, string EmailAddress, string CreditCard, string City, string State, DateTimeOffset DateTime);

/// <summary>A new auction.</summary>
public sealed record Auction(long Id, string ItemName, string Description, long InitialBid, long Reserve, DateTimeOffset DateTime, DateTimeOffset Expires, long Seller, long Category);

/// <summary>A bid on an auction (a struct: bids are 92% of the events).</summary>
public readonly record struct Bid(long Auction, long Bidder, long Price, string Channel, DateTimeOffset DateTime);

/// <summary>One NEXMark event: a person, an auction or a bid, with its event id and event time.</summary>
public readonly record struct NexmarkEvent(long Id, EventKind Kind, DateTimeOffset Time, Person? Person, Auction? Auction, Bid Bid) : IResult<NexmarkEvent>
{
    public ulong Hash() => Hashing.Combine((ulong)Id, (ulong)Kind, (ulong)Time.UtcTicks);

    public int CompareTo(NexmarkEvent other) => Id.CompareTo(other.Id);

    public override string ToString() => $"#{Id} {Kind} @ {Time:O}";
}

/// <summary>Settings of the NEXMark generator; defaults follow Beam's nexmark package where it has one.</summary>
public sealed record NexmarkConfig
{
    /// <summary>Events per second of event time (Beam: firstEventRate = 10,000).</summary>
    public int EventsPerSecond { get; init; } = 10_000;

    /// <summary>Fraction of events that arrive late (out of order).</summary>
    public double DelayedFraction { get; init; } = 0.10;

    /// <summary>Largest delay of a late event; the streaming contenders use it as their out-of-orderness bound.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Event time of event 0: 2026-01-01T00:00:00Z.</summary>
    public DateTimeOffset BaseTime { get; init; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Seed mixed into every event's random stream.</summary>
    public ulong Seed { get; init; } = 0x4E45584D41524BUL;

    /// <summary>The defaults.</summary>
    public static NexmarkConfig Default { get; } = new();
}

/// <summary>
/// A deterministic NEXMark event generator following Beam's nexmark package (NexmarkGenerator and its
/// GeneratorConfig): person : auction : bid = 1 : 3 : 46 by event id; ids derived from the event id; 'hot'
/// auctions (1 bid in 2 goes to the newest batch-of-100 auction), hot bidders and hot sellers (3 in 4 go to the
/// newest batch-of-100 person); prices 10^U(0,6) cents; each event's fields drawn from a random stream seeded by its
/// id. Differences from Beam: a SplitMix64 stream instead of java.util.Random (same role, much cheaper to seed), no
/// 'extra' padding field and no URL, a simpler auction expiry, and out-of-orderness modelled as a fraction of events
/// whose arrival is delayed by U(0, MaxDelay] rather than Beam's out-of-order groups. The array is in arrival
/// order; event times are event id × (1 s / rate).
/// </summary>
public static class NexmarkGenerator
{
    private const int PersonProportion = 1;
    private const int AuctionProportion = 3;
    private const int BidProportion = 46;
    private const int TotalProportion = PersonProportion + AuctionProportion + BidProportion;
    private const long FirstPersonId = 1000;
    private const long FirstAuctionId = 1000;
    private const long FirstCategoryId = 10;
    private const int NumCategories = 5;
    private const long PersonIdLead = 10;
    private const long AuctionIdLead = 10;
    private const int NumActivePeople = 1000;
    private const int NumInFlightAuctions = 100;
    private const int HotAuctionRatio = 100;
    private const int HotSellerRatio = 100;
    private const int HotBidderRatio = 100;
    private const int ConfigHotAuctionRatio = 2;
    private const int ConfigHotSellersRatio = 4;
    private const int ConfigHotBiddersRatio = 4;

    private static readonly string[] FirstNames = ["Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie", "Sarah", "Deiter", "Walter"];
    private static readonly string[] LastNames = ["Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones", "Noris"];
    private static readonly string[] States = ["AZ", "CA", "ID", "OR", "WA", "WY"];
    private static readonly string[] Cities = ["Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland", "Bend", "Redmond", "Seattle", "Kent", "Cheyenne"];
    private static readonly string[] HotChannels = ["Google", "Facebook", "Baidu", "Apple"];
    private static readonly string[] OtherChannels = Enumerable.Range(0, 100).Select(i => $"channel-{i}").ToArray();

    /// <summary>Generates <paramref name="count"/> events in arrival order.</summary>
    /// <param name="count">How many events.</param>
    /// <param name="config">Settings; <see cref="NexmarkConfig.Default"/> when null.</param>
    public static NexmarkEvent[] Generate(int count, NexmarkConfig? config = null)
    {
        config ??= NexmarkConfig.Default;
        var events = new NexmarkEvent[count];
        var arrival = new long[count];
        long step = TimeSpan.TicksPerSecond / config.EventsPerSecond;
        long maxDelay = config.MaxDelay.Ticks;
        for (int i = 0; i < count; i++)
        {
            long time = config.BaseTime.UtcTicks + (i * step);
            events[i] = Next(i, new DateTimeOffset(time, TimeSpan.Zero), config.Seed);
            var delay = new SplitMix(config.Seed ^ 0xDE1A7UL, i);
            arrival[i] = time;
            if (delay.NextDouble() < config.DelayedFraction) arrival[i] += 1 + (long)(delay.NextDouble() * maxDelay);
        }

        // Stable by construction: ties in arrival time keep event-id order because the ids are the tie-breaker.
        var order = Enumerable.Range(0, count).ToArray();
        Array.Sort(order, (a, b) =>
        {
            int c = arrival[a].CompareTo(arrival[b]);
            return c != 0 ? c : a.CompareTo(b);
        });
        var result = new NexmarkEvent[count];
        for (int i = 0; i < count; i++) result[i] = events[order[i]];
        return result;
    }

    private static NexmarkEvent Next(long eventId, DateTimeOffset time, ulong seed)
    {
        var random = new SplitMix(seed, eventId);
        long offset = eventId % TotalProportion;
        if (offset < PersonProportion) return new NexmarkEvent(eventId, EventKind.Person, time, NextPerson(eventId, ref random, time), null, default);
        if (offset < PersonProportion + AuctionProportion) return new NexmarkEvent(eventId, EventKind.Auction, time, null, NextAuction(eventId, ref random, time), default);
        return new NexmarkEvent(eventId, EventKind.Bid, time, null, null, NextBid(eventId, ref random, time));
    }

    private static Person NextPerson(long eventId, ref SplitMix random, DateTimeOffset time)
    {
        long id = LastBase0PersonId(eventId) + FirstPersonId;
        string name = FirstNames[random.Next(FirstNames.Length)] + " " + LastNames[random.Next(LastNames.Length)];
        string email = random.NextString(7) + "@" + random.NextString(5) + ".com";
        string card = $"{random.Next(10000):D4} {random.Next(10000):D4} {random.Next(10000):D4} {random.Next(10000):D4}";
        string city = Cities[random.Next(Cities.Length)];
        string state = States[random.Next(States.Length)];
        return new Person(id, name, email, card, city, state, time);
    }

    private static Auction NextAuction(long eventId, ref SplitMix random, DateTimeOffset time)
    {
        long id = LastBase0AuctionId(eventId) + FirstAuctionId;
        long seller = random.Next(ConfigHotSellersRatio) > 0
            ? (LastBase0PersonId(eventId) / HotSellerRatio) * HotSellerRatio
            : NextBase0PersonId(eventId, ref random);
        seller += FirstPersonId;
        long category = FirstCategoryId + random.Next(NumCategories);
        long initialBid = NextPrice(ref random);
        long reserve = initialBid + NextPrice(ref random);
        string itemName = random.NextString(20);
        string description = random.NextString(40);
        var expires = time + TimeSpan.FromMilliseconds(1000 + random.Next(60_000));
        return new Auction(id, itemName, description, initialBid, reserve, time, expires, seller, category);
    }

    private static Bid NextBid(long eventId, ref SplitMix random, DateTimeOffset time)
    {
        long auction = random.Next(ConfigHotAuctionRatio) > 0
            ? (LastBase0AuctionId(eventId) / HotAuctionRatio) * HotAuctionRatio
            : NextBase0AuctionId(eventId, ref random);
        auction += FirstAuctionId;
        long bidder = random.Next(ConfigHotBiddersRatio) > 0
            ? ((LastBase0PersonId(eventId) / HotBidderRatio) * HotBidderRatio) + 1
            : NextBase0PersonId(eventId, ref random);
        bidder += FirstPersonId;
        long price = NextPrice(ref random);
        string channel = random.Next(2) > 0 ? HotChannels[random.Next(HotChannels.Length)] : OtherChannels[random.Next(OtherChannels.Length)];
        return new Bid(auction, bidder, price, channel, time);
    }

    /// <summary>Beam's PriceGenerator: round(10^(U·6) × 100) cents.</summary>
    private static long NextPrice(ref SplitMix random) => (long)Math.Round(Math.Pow(10.0, random.NextDouble() * 6.0) * 100.0);

    private static long LastBase0PersonId(long eventId)
    {
        long epoch = eventId / TotalProportion;
        long offset = eventId % TotalProportion;
        if (offset >= PersonProportion) offset = PersonProportion - 1;
        return (epoch * PersonProportion) + offset;
    }

    private static long LastBase0AuctionId(long eventId)
    {
        long epoch = eventId / TotalProportion;
        long offset = eventId % TotalProportion;
        if (offset < PersonProportion)
        {
            epoch--;
            offset = AuctionProportion - 1;
        }
        else if (offset >= PersonProportion + AuctionProportion)
        {
            offset = AuctionProportion - 1;
        }
        else
        {
            offset -= PersonProportion;
        }

        return (epoch * AuctionProportion) + offset;
    }

    private static long NextBase0PersonId(long eventId, ref SplitMix random)
    {
        long numPeople = LastBase0PersonId(eventId) + 1;
        long activePeople = Math.Min(numPeople, NumActivePeople);
        long n = random.NextLong(activePeople + PersonIdLead);
        return numPeople - activePeople + n;
    }

    private static long NextBase0AuctionId(long eventId, ref SplitMix random)
    {
        long maxAuction = LastBase0AuctionId(eventId);
        long minAuction = Math.Max(maxAuction - NumInFlightAuctions, 0);
        return minAuction + random.NextLong(maxAuction - minAuction + 1 + AuctionIdLead);
    }

    /// <summary>A SplitMix64 stream seeded by (seed, event id).</summary>
    private struct SplitMix(ulong seed, long eventId)
    {
        private ulong _state = Hashing.Mix(seed ^ ((ulong)eventId * 0x9E3779B97F4A7C15UL));

        public ulong NextULong()
        {
            _state += 0x9E3779B97F4A7C15UL;
            return Hashing.Mix(_state);
        }

        public int Next(int bound) => (int)(NextULong() % (ulong)bound);

        public long NextLong(long bound) => (long)(NextULong() % (ulong)bound);

        public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));

        public string NextString(int length)
        {
            Span<char> chars = stackalloc char[length];
            for (int i = 0; i < length; i++)
            {
                int r = Next(27);
                chars[i] = r == 26 ? ' ' : (char)('a' + r);
            }

            return new string(chars);
        }
    }
}
