namespace Pipelines.Testing;

/// <summary>Placeholder replaced below.</summary>
internal static class TestClock
{
}
