using System.Globalization;
using Pipelines.Operators;
using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Processing;

/// <summary>
/// A process function's key in the worker's key table: it enters when the function first stores state or a timer
/// for it (not when an element merely arrives), stays while anything refers to it, and is not removed while it is
/// the current key, even when the function drops its last state and stores again in the same call.
/// </summary>
public class ProcessKeyLifetimeTests
{
    /// <summary>Elements "key:command+command…"; each emits "key:value-after" (or "key:-" without a value).</summary>
    private static OperatorHarness<string, string> Process(ErrorPolicy policy = ErrorPolicy.Fail) =>
        new((context, output) => new KeyedProcess<string, string, string>(s => s.Split(':')[0], new Commands(), output, TimeProvider.System, context), policy);

    private static int References(OperatorHarness<string, string> h, string key) => h.State.Keys.References(h.State.Keys.IndexOf(key));

    [Fact]
    public void AnElementThatStoresNothing_SeesItsKeyAndNoState_AndLeavesNoKeyBehind()
    {
        var h = Process().Element("a:read", 1).Element("a:deltimer", 2);

        h.Output.Values.Should().Equal("a:-", "a:- deleted=False");
        h.State.Keys.Count.Should().Be(0);
        h.State.Keys.IndexOf("a").Should().Be(-1);
    }

    [Fact]
    public void StoredState_KeepsTheKey_UntilItIsCleared()
    {
        var h = Process().Element("a:set", 1).Element("b:read", 2);

        h.State.Keys.Count.Should().Be(1);
        References(h, "a").Should().Be(1);

        h.Element("a:set", 3).Element("a:clear", 4);
        h.Output.Values.Should().Equal("a:1", "b:-", "a:2", "a:-");
        h.State.Keys.Count.Should().Be(0);
    }

    [Fact]
    public void ANewKey_StoredAndClearedInOneCall_IsGoneAfterIt()
    {
        var h = Process().Element("a:set+clear", 1);

        h.Output.Values.Should().Equal("a:-");
        h.State.Keys.Count.Should().Be(0);
        h.State.Entries().Should().BeEmpty();
    }

    [Fact]
    public void AKeyWhoseLastStateIsCleared_StaysCurrent_AndCanStoreAgainInTheSameCall()
    {
        var h = Process().Element("a:set", 1).Element("a:set", 2).Element("a:clear+set", 3);

        h.Output.Values.Should().Equal("a:1", "a:2", "a:1");
        References(h, "a").Should().Be(1);
        h.State.Entries().Should().ContainSingle().Which.Value.Should().Be(1L);
    }

    [Fact]
    public void ATimerOfANewKey_KeepsTheKeyUntilItFires_AndSeesTheKey()
    {
        var h = Process().Element("a:timer", 1);

        References(h, "a").Should().Be(1);
        h.Timers.Count(TimeDomain.EventTime).Should().Be(1);

        h.Element("a:deltimer", 2).Element("a:timer", 3).Watermark(20);
        h.Output.Values.Should().Equal("a:-", "a:- deleted=True", "a:-", "a:fired");
        h.State.Keys.Count.Should().Be(0);
    }

    [Fact]
    public void AFailingElement_ThatStoredForANewKey_LeavesOnlyWhatItStored()
    {
        var h = Process(ErrorPolicy.Skip).Element("a:set+throw", 1).Element("b:throw", 2);

        h.Counters.Skipped.Should().Be(2);
        h.Output.Values.Should().BeEmpty();
        References(h, "a").Should().Be(1);
        h.State.Keys.IndexOf("b").Should().Be(-1);
        h.State.Keys.Count.Should().Be(1);
    }

    private sealed class Commands : KeyedProcessFunction<string, string, string>
    {
        private ValueState<long> _value = null!;

        public override void Open(KeyedStateRegistry state) => _value = state.Value<long>("value");

        public override void ProcessElement(string element, KeyedProcessContext<string, string> context)
        {
            string suffix = "";
            foreach (string command in element.Split(":")[1].Split("+"))
            {
                switch (command)
                {
                    case "set":
                        _value.Value = _value.HasValue ? _value.Value + 1 : 1;
                        break;
                    case "clear":
                        _value.Clear();
                        break;
                    case "timer":
                        context.RegisterEventTimeTimer(context.Timestamp + TimeSpan.FromTicks(10));
                        break;
                    case "deltimer":
                        suffix = $" deleted={context.DeleteEventTimeTimer(context.Timestamp + TimeSpan.FromTicks(9))}";
                        break;
                    case "throw":
                        throw new InvalidOperationException("boom");
                }
            }

            context.Emit($"{context.Key}:{(_value.HasValue ? _value.Value.ToString(CultureInfo.InvariantCulture) : "-")}{suffix}");
        }

        public override void OnTimer(DateTimeOffset time, TimeDomain domain, KeyedProcessContext<string, string> context) =>
            context.Emit($"{context.Key}:fired");
    }
}
