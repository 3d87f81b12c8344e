using System.Text;
using Pipelines.Checkpoints.Serialization;
using Pipelines.State.Snapshots;

namespace Pipelines.Tests.State;

public class KeyGroupTests
{
    [Theory]
    [InlineData(128, 1)]
    [InlineData(128, 3)]
    [InlineData(128, 128)]
    [InlineData(7, 5)]
    [InlineData(1, 1)]
    public void Ranges_CoverEveryGroupOnce_AndAgreeWithWorkerOf(int max, int parallelism)
    {
        var owner = new int[max];
        owner.AsSpan().Fill(-1);
        for (int w = 0; w < parallelism; w++)
        {
            var range = KeyGroups.RangeOf(w, max, parallelism);
            range.End.Should().BeGreaterThanOrEqualTo(range.Start, "every worker owns at least one group");
            for (int g = range.Start; g <= range.End; g++)
            {
                owner[g].Should().Be(-1);
                owner[g] = w;
            }
        }

        for (int g = 0; g < max; g++) KeyGroups.WorkerOf(g, max, parallelism).Should().Be(owner[g]);
    }

    [Fact]
    public void MoreWorkersThanKeyGroups_IsRefused() =>
        FluentActions.Invoking(() => KeyGroups.RangeOf(0, 4, 5)).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*maximum parallelism (4)*");

    [Theory]
    [InlineData("", 0x00000000u)]
    [InlineData("a", 0x3c2569b2u)]
    [InlineData("abc", 0xb3dd93fau)]
    [InlineData("Hello, world!", 0xc0363e43u)]
    [InlineData("The quick brown fox jumps over the lazy dog", 0x2e4ff723u)]
    public void BytesHash_IsMurmurHash3_SoItNeverDependsOnTheProcess(string text, uint expected) =>
        StableHash.Bytes(Encoding.UTF8.GetBytes(text)).Should().Be(expected, "the published MurmurHash3 x86_32 test vector (seed 0)");

    [Fact]
    public void StringHash_IsOrdinalOverUtf16_AndEqualForEqualStrings()
    {
        string a = "key-" + 42, b = new string("key-42".ToCharArray());
        StableHash.String(a).Should().Be(StableHash.String(b));
        StableHash.String("key-42").Should().Be(StableHash.Bytes(Encoding.Unicode.GetBytes("key-42")));
        StableHash.String("key-42").Should().NotBe(StableHash.String("KEY-42"));
    }

    private sealed record Composite(string Region, int Id);

    [Fact]
    public void OtherKeyTypes_HashFromTheirSerializedBytes_EqualKeysAlike()
    {
        var hasher = new KeyHasher<Composite>(new StateSerializerRegistry().Codec<Composite>(), 128);
        hasher.Hash(new Composite("eu", 1)).Should().Be(hasher.Hash(new Composite("eu", 1)));
        Enumerable.Range(0, 200).Select(i => hasher.KeyGroupOf(new Composite("eu", i))).Distinct().Count().Should().BeGreaterThan(50, "keys spread over the groups");

        var tuples = new KeyHasher<(string, int)>(new StateSerializerRegistry().Codec<(string, int)>(), 128);
        tuples.Hash(("a", 1)).Should().Be(tuples.Hash(("a", 1)));
        tuples.Hash(("a", 1)).Should().NotBe(tuples.Hash(("a", 2)), "tuple fields are part of the serialized key");
    }

    [Fact]
    public void CommonKeyTypes_AreHashedWithoutAllocating()
    {
        var registry = new StateSerializerRegistry();
        var ints = new KeyHasher<int>(registry.Codec<int>(), 128);
        var longs = new KeyHasher<long>(registry.Codec<long>(), 128);
        var strings = new KeyHasher<string>(registry.Codec<string>(), 128);
        var guids = new KeyHasher<Guid>(registry.Codec<Guid>(), 128);
        string[] keys = Enumerable.Range(0, 100).Select(i => "key-" + i).ToArray();
        var guid = Guid.NewGuid();
        int sum = ints.KeyGroupOf(1) + longs.KeyGroupOf(1) + strings.KeyGroupOf("x") + guids.KeyGroupOf(guid);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++) sum += ints.KeyGroupOf(i) + longs.KeyGroupOf(i) + strings.KeyGroupOf(keys[i]) + guids.KeyGroupOf(guid);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        allocated.Should().Be(0);
        sum.Should().BeGreaterThan(0);
    }
}
