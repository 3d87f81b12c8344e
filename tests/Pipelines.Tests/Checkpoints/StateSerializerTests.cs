using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Pipelines.Checkpoints.Serialization;
using Pipelines.State.Snapshots;

namespace Pipelines.Tests.Checkpoints;

public class StateSerializerTests
{
    public sealed record Accumulator(string Name, long Count, List<double> Samples);

    public sealed class NoMembers
    {
#pragma warning disable IDE0052, CS0414 // State the serializer cannot see: the point of the test.
        private int _hidden = 1;
#pragma warning restore IDE0052, CS0414
    }

    public interface IShape
    {
        double Area { get; }
    }

    public sealed class Holder
    {
        public Action? Callback { get; set; }
    }

    public sealed class TwoConstructors
    {
        public TwoConstructors(int a) => A = a;

        public TwoConstructors(int a, int b) => (A, B) = (a, b);

        public int A { get; }

        public int B { get; }
    }

    private static T RoundTrip<T>(StateCodec<T> codec, T value)
    {
        var output = new SnapshotOutput();
        output.WriteValue(codec, value);
        var input = new SnapshotInput(output.WrittenMemory);
        T read = input.ReadValue(codec);
        input.Remaining.Should().Be(0);
        return read;
    }

    [Fact]
    public void CommonTypes_UseBinaryCodecs_AndRoundTrip()
    {
        var registry = new StateSerializerRegistry();
        registry.Codec<int>().Should().NotBeOfType<SerializerCodec<int>>();
        RoundTrip(registry.Codec<int>(), -7).Should().Be(-7);
        RoundTrip(registry.Codec<long>(), long.MinValue).Should().Be(long.MinValue);
        RoundTrip(registry.Codec<string>(), "naïve 𝄞").Should().Be("naïve 𝄞");
        RoundTrip(registry.Codec<string>(), null!).Should().BeNull();
        RoundTrip(registry.Codec<double>(), double.NaN).Should().Be(double.NaN);
        RoundTrip(registry.Codec<decimal>(), 12345.6789m).Should().Be(12345.6789m);
        var now = new DateTimeOffset(2026, 12, 3, 10, 0, 0, TimeSpan.FromHours(2));
        RoundTrip(registry.Codec<DateTimeOffset>(), now).Should().Be(now).And.HaveOffset(TimeSpan.FromHours(2));
        var guid = Guid.NewGuid();
        RoundTrip(registry.Codec<Guid>(), guid).Should().Be(guid);
        RoundTrip(registry.Codec<TimeSpan>(), TimeSpan.FromMilliseconds(1.5)).Should().Be(TimeSpan.FromMilliseconds(1.5));
    }

    [Fact]
    public void OtherTypes_GoThroughJson_IncludingTuplesAndRecords()
    {
        var registry = new StateSerializerRegistry();
        var acc = new Accumulator("a", 3, [1.5, 2.5]);
        var read = RoundTrip(registry.Require<Accumulator>("op", "accumulator"), acc);
        read.Should().BeEquivalentTo(acc);
        RoundTrip(registry.Require<(string, int)>("op", "key"), ("x", 2)).Should().Be(("x", 2));
        RoundTrip(registry.Require<List<(double Score, string Item)>>("op", "accumulator"), [(1.0, "a"), (2.0, "b")])
            .Should().Equal((1.0, "a"), (2.0, "b"));
    }

    [Fact]
    public void AStateTypeJsonCannotRoundTrip_IsRefused_NamingTheOperatorTheRoleAndTheType()
    {
        var registry = new StateSerializerRegistry();
        FluentActions.Invoking(() => registry.Require<NoMembers>("Window(Tumbling 1 min)", "accumulator"))
            .Should().Throw<InvalidOperationException>()
            .WithMessage("Operator 'Window(Tumbling 1 min)' keeps state that cannot be checkpointed: its accumulator type NoMembers has no public property or field*WithStateSerializer*");
        FluentActions.Invoking(() => registry.Require<IShape>("Join", "left element"))
            .Should().Throw<InvalidOperationException>().WithMessage("Operator 'Join'*left element type IShape is abstract or an interface*");
        FluentActions.Invoking(() => registry.Require<object>("Process", "state 'seen'"))
            .Should().Throw<InvalidOperationException>().WithMessage("*state 'seen' type Object is declared as object*");
        FluentActions.Invoking(() => registry.Require<List<Holder>>("Process", "state 'held'"))
            .Should().Throw<InvalidOperationException>().WithMessage("*has elements of type Holder, which has member 'Callback' whose type Action*");
        FluentActions.Invoking(() => registry.Require<TwoConstructors>("Window", "accumulator"))
            .Should().Throw<InvalidOperationException>().WithMessage("*TwoConstructors has no constructor System.Text.Json can use*");
    }

    /// <summary>A hand-written serializer: the user's way out for any type.</summary>
    private sealed class NoMembersSerializer : StateSerializer<NoMembers>
    {
        public int Calls { get; private set; }

        public override void Serialize(NoMembers value, IBufferWriter<byte> output)
        {
            Calls++;
            output.Write("nm"u8);
        }

        public override NoMembers Deserialize(ReadOnlySpan<byte> data)
        {
            Encoding.ASCII.GetString(data).Should().Be("nm");
            return new NoMembers();
        }
    }

    [Fact]
    public void ARegisteredSerializer_IsUsedForItsType_AndLiftsTheRefusal()
    {
        var registry = new StateSerializerRegistry();
        var serializer = new NoMembersSerializer();
        registry.Register(serializer);
        RoundTrip(registry.Require<NoMembers>("op", "accumulator"), new NoMembers()).Should().NotBeNull();
        serializer.Calls.Should().Be(1);

        registry.Register(StateSerializers.Json(TestJsonContext.Default.Accumulator));
        RoundTrip(registry.Require<Accumulator>("op", "accumulator"), new Accumulator("s", 1, [])).Name.Should().Be("s");
        registry.Register<int>(new UpperBoundInt());
        RoundTrip(registry.Codec<int>(), 5).Should().Be(5);
    }

    private sealed class UpperBoundInt : StateSerializer<int>
    {
        public override void Serialize(int value, IBufferWriter<byte> output) => output.Write(Encoding.ASCII.GetBytes(value.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        public override int Deserialize(ReadOnlySpan<byte> data) => int.Parse(Encoding.ASCII.GetString(data), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public void PipelineJsonOptions_ApplyToTypesWithoutASerializer()
    {
        var registry = new StateSerializerRegistry();
        registry.UseJson(new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower });
        var output = new SnapshotOutput();
        registry.Require<Accumulator>("op", "accumulator").Write(output, new Accumulator("a", 1, []));
        Encoding.UTF8.GetString(output.Written).Should().Contain("\"samples\"");
    }
}

[JsonSerializable(typeof(StateSerializerTests.Accumulator))]
internal sealed partial class TestJsonContext : JsonSerializerContext;
