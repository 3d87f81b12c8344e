using Pipelines;

namespace EndOfDayReport;

/// <summary>The pipeline: transactions → by account → one business day → <see cref="AccountDay"/> per account.</summary>
public static class EndOfDayPipeline
{
    public static Pipeline Define(Source<Transaction> ledger, Sink<WindowResult<string, AccountDay>> report)
    {
        var p = new PipelineBuilder("end-of-day");
        p.From(ledger)
         .WithEventTime(t => t.Time, Watermarks.BoundedOutOfOrderness(TimeSpan.FromMinutes(5)))
         .KeyBy(t => t.Account)
         .Window(Windows.Tumbling(TimeSpan.FromDays(1)))
         .Aggregate(new AccountDayAggregator())
         .To(report);
        return p.Build();
    }
}
