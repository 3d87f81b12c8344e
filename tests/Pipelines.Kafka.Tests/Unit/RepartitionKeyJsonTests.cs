using System.Buffers;
using System.Text;

namespace Pipelines.Kafka.Tests.Unit;

/// <summary>The repartition's default key form: keys .NET calls equal give equal bytes; unequal keys stay apart.</summary>
public class RepartitionKeyJsonTests
{
    private sealed record CardDay(string Card, DateTimeOffset Day, decimal Limit, double Rate, DateTime Local, decimal? Cap);

    private static string Bytes<T>(T key)
    {
        var buffer = new ArrayBufferWriter<byte>();
        RepartitionKeyJson.For<T>().Serialize(key, buffer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [Fact]
    public void EqualDecimals_AtOtherScales_GiveEqualBytes()
    {
        (1.0m).Should().Be(1.00m);
        Bytes(1.0m).Should().Be(Bytes(1.00m)).And.Be(Bytes(1m)).And.Be("1");
        Bytes(-2.50m).Should().Be(Bytes(-2.5m)).And.Be("-2.5");
        Bytes(0.000m).Should().Be(Bytes(-0.0m)).And.Be("0");
        Bytes(79228162514264337593543950335m).Should().Be("79228162514264337593543950335");
        Bytes(0.0000000000000000000000000001m).Should().Be("0.0000000000000000000000000001");
        Bytes(1.5m).Should().NotBe(Bytes(1.50001m));
    }

    [Fact]
    public void EqualKeysOfEveryKind_InARecord_GiveEqualBytes_AndUnequalOnesOther()
    {
        var day = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
        var a = new CardDay("c1", day, 100.0m, 0.0, new DateTime(2026, 3, 1, 8, 0, 0, DateTimeKind.Utc), 5.00m);
        var b = new CardDay("c1", day.ToOffset(TimeSpan.FromHours(2)), 100m, -0.0, new DateTime(2026, 3, 1, 8, 0, 0, DateTimeKind.Unspecified), 5m);
        a.Should().Be(b, ".NET calls them equal");
        Bytes(a).Should().Be(Bytes(b));

        Bytes(a with { Day = day.AddTicks(1) }).Should().NotBe(Bytes(a));
        Bytes(a with { Cap = null }).Should().NotBe(Bytes(a));
        Bytes(a with { Rate = double.NaN }).Should().Be(Bytes(a with { Rate = double.NaN }), "NaN equals itself as a key");
    }

    [Fact]
    public void EqualTuplesAndNullables_GiveEqualBytes()
    {
        Bytes((1.10m, "x")).Should().Be(Bytes((1.1m, "x")));
        Bytes<decimal?>(3.00m).Should().Be(Bytes<decimal?>(3m));
        Bytes(new Dictionary<decimal, int> { [2.0m] = 1 }).Should().Be(Bytes(new Dictionary<decimal, int> { [2m] = 1 }));
    }
}
