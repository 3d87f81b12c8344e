using System.Text;
using Pipelines.Files.Reading;

namespace Pipelines.Files.Tests;

/// <summary>
/// The file reader's record framing as a pure function over bytes (<see cref="RecordFramer"/>): where records end
/// for JSON Lines and CSV, whatever way the bytes are split into reads.
/// </summary>
public sealed class RecordFramerTests
{
    private static RecordFramer JsonLines() => new(new RecordScanner(false, 0, 0, false));

    private static RecordFramer Csv(bool lineBreaksInQuotes = true) => new(new RecordScanner(true, (byte)'"', (byte)',', lineBreaksInQuotes));

    /// <summary>A framed record: its text without the line break, and the line it starts on.</summary>
    private readonly record struct Framed(string Text, long Line);

    /// <summary>
    /// Frames <paramref name="input"/> as the file reader does, with the bytes arriving <paramref name="chunk"/> at a
    /// time (0: all at once): each call sees the bytes from the current record's start to what has arrived, and the
    /// last one is final (the end of the file).
    /// </summary>
    private static List<Framed> FrameAll(RecordFramer framer, byte[] input, int chunk = 0)
    {
        var records = new List<Framed>();
        int start = 0, available = 0;
        long line = 1;
        while (true)
        {
            available = chunk == 0 ? input.Length : Math.Min(input.Length, available + chunk);
            bool final = available == input.Length;
            while (framer.TryFrame(input.AsSpan(start, available - start), final, out var frame))
            {
                records.Add(new Framed(Encoding.UTF8.GetString(input, start, frame.ContentLength), line));
                start += frame.Length;
                line += frame.Lines;
            }

            if (final) return records;
        }
    }

    /// <summary>Frames the input whole and split at every possible place, and checks every way gives the same records.</summary>
    private static List<Framed> FrameEveryWay(Func<RecordFramer> framer, string text)
    {
        byte[] input = Encoding.UTF8.GetBytes(text);
        var whole = FrameAll(framer(), input);
        for (int chunk = 1; chunk <= input.Length; chunk++)
        {
            FrameAll(framer(), input, chunk).Should().Equal(whole, $"reads of {chunk} bytes must frame {text.ReplaceLineEndings("⏎")} as one read does");
        }

        // Two reads split at every offset.
        for (int split = 1; split < input.Length; split++)
        {
            var f = framer();
            var records = new List<Framed>();
            int start = 0;
            long line = 1;
            foreach (var (available, final) in new[] { (split, false), (input.Length, true) })
            {
                while (f.TryFrame(input.AsSpan(start, available - start), final, out var frame))
                {
                    records.Add(new Framed(Encoding.UTF8.GetString(input, start, frame.ContentLength), line));
                    start += frame.Length;
                    line += frame.Lines;
                }
            }

            records.Should().Equal(whole, $"a split at byte {split} must not move a record boundary");
        }

        return whole;
    }

    [Fact]
    public void JsonLines_EndAtEveryLineFeed_WithTheLineEachStartsOn()
    {
        FrameEveryWay(JsonLines, "{\"a\":1}\n{\"a\":2}\n").Should().Equal(new Framed("{\"a\":1}", 1), new Framed("{\"a\":2}", 2));
    }

    [Fact]
    public void CrLf_IsNotPartOfTheRecord_ButALoneCarriageReturnInsideIs()
    {
        FrameEveryWay(JsonLines, "a\r\nb\rc\r\nd\n").Should().Equal(new Framed("a", 1), new Framed("b\rc", 2), new Framed("d", 3));
        FrameEveryWay(() => Csv(), "x,y\r\n\"q\r\nr\",z\r\n").Should().Equal(new Framed("x,y", 1), new Framed("\"q\r\nr\",z", 2));
    }

    [Fact]
    public void LastLine_WithoutALineFeed_IsARecordOnlyOnceTheInputIsComplete()
    {
        var framer = JsonLines();
        framer.TryFrame("tail"u8, final: false, out _).Should().BeFalse("more bytes may still complete it");
        framer.TryFrame("tail\r"u8, final: true, out var frame).Should().BeTrue();
        frame.Should().Be(new RecordFrame(4, 5, 1));

        FrameEveryWay(JsonLines, "a\nlast").Should().Equal(new Framed("a", 1), new Framed("last", 2));
        FrameEveryWay(JsonLines, "a\n").Should().Equal(new Framed("a", 1));
        JsonLines().TryFrame([], final: true, out _).Should().BeFalse("an empty end is no record");
    }

    [Fact]
    public void EmptyLines_AreFramed_AndKnownAsBlank()
    {
        var records = FrameEveryWay(JsonLines, "\n \t\r\nx\n\n");
        records.Should().Equal(new Framed("", 1), new Framed(" \t", 2), new Framed("x", 3), new Framed("", 4));
        records.Select(r => RecordFramer.IsBlank(Encoding.UTF8.GetBytes(r.Text))).Should().Equal(true, true, false, true);
    }

    [Fact]
    public void Csv_QuotedFieldSpanningLines_IsOneRecord_AndMovesTheLineCountByItsLines()
    {
        FrameEveryWay(() => Csv(), "id,text\n1,\"two\nlines\"\n2,\"three\n\nlines\"\n3,end\n").Should().Equal(
            new Framed("id,text", 1), new Framed("1,\"two\nlines\"", 2), new Framed("2,\"three\n\nlines\"", 4), new Framed("3,end", 7));
    }

    [Fact]
    public void Csv_DoubledQuotes_StayInsideTheField_AndAQuoteInsideAnUnquotedFieldIsText()
    {
        FrameEveryWay(() => Csv(), "\"a\"\"\nb\",c\nx\"y,z\nlast\n").Should().Equal(
            new Framed("\"a\"\"\nb\",c", 1), new Framed("x\"y,z", 3), new Framed("last", 4));
    }

    [Fact]
    public void Csv_WithoutLineBreaksInQuotes_EndsTheRecordAtTheLineFeed()
    {
        FrameEveryWay(() => Csv(lineBreaksInQuotes: false), "1,\"a\nb\",2\n").Should().Equal(new Framed("1,\"a", 1), new Framed("b\",2", 2));
    }

    [Fact]
    public void Csv_UnclosedQuote_RunsToTheEnd_AndItsFirstLineAloneIsWhatIsReported_SoItCostsOneLine()
    {
        const string text = "1,ok\n2,\"oops\r\n3,fine\n4,fine\n";
        var records = FrameEveryWay(() => Csv(), text);
        records.Should().Equal(new Framed("1,ok", 1), new Framed("2,\"oops\r\n3,fine\n4,fine\n", 2));

        // The reader cannot parse the misframed record: its first line is reported alone, the rest framed again.
        byte[] misframed = Encoding.UTF8.GetBytes(records[1].Text);
        var first = RecordFramer.FirstLine(misframed)!.Value;
        Encoding.UTF8.GetString(misframed, 0, first.ContentLength).Should().Be("2,\"oops");
        first.Lines.Should().Be(1);
        FrameAll(Csv(), misframed[first.Length..]).Should().Equal(new Framed("3,fine", 1), new Framed("4,fine", 2));
        RecordFramer.FirstLine("no line feed"u8).Should().BeNull();
    }

    [Fact]
    public void ByteOrderMark_IsRecognisedOnlyAtTheStart()
    {
        RecordFramer.BomLength([0xEF, 0xBB, 0xBF, (byte)'a']).Should().Be(3);
        RecordFramer.BomLength([0xEF, 0xBB, 0xBF]).Should().Be(3);
        RecordFramer.BomLength("abc"u8).Should().Be(0);
        RecordFramer.BomLength([0xEF, 0xBB]).Should().Be(0);
    }

    [Fact]
    public void IncompleteRecord_IsScannedOnce_EvenWhenItsBytesMoveInMemory()
    {
        var framer = Csv();
        byte[] first = Encoding.UTF8.GetBytes("1,\"a\nb");
        framer.TryFrame(first, final: false, out _).Should().BeFalse();

        // The same bytes at another address (the buffer was compacted or grown), then the rest of the record.
        byte[] moved = Encoding.UTF8.GetBytes("1,\"a\nb\",c\nnext\n");
        framer.TryFrame(moved, final: false, out var frame).Should().BeTrue();
        frame.Should().Be(new RecordFrame(9, 10, 2), "the quote opened in the first piece is still open when the scan resumes");
    }
}
