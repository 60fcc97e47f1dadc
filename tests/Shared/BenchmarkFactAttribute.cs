using GaNas.Benchmarks;

namespace GaNas.Tests;

/// <summary>
/// A fact that needs the NATS-Bench data folder. Without the data it is skipped with the reason,
/// unless GANAS_REQUIRE_BENCHMARK_DATA=1 (set by CI), in which case it runs and fails loudly.
/// </summary>
public sealed class BenchmarkFactAttribute : FactAttribute
{
    public BenchmarkFactAttribute()
    {
        if (BenchmarkData.TryLocate() is null && !TestEnvironment.RequireBenchmarkData)
            Skip = $"NATS-Bench data not found (../shared/benchmarks or {BenchmarkData.DirectoryVariable}); set GANAS_REQUIRE_BENCHMARK_DATA=1 to make this a failure.";
    }
}

/// <summary>A theory that needs the NATS-Bench data folder (see <see cref="BenchmarkFactAttribute"/>).</summary>
public sealed class BenchmarkTheoryAttribute : TheoryAttribute
{
    public BenchmarkTheoryAttribute()
    {
        if (BenchmarkData.TryLocate() is null && !TestEnvironment.RequireBenchmarkData)
            Skip = $"NATS-Bench data not found (../shared/benchmarks or {BenchmarkData.DirectoryVariable}); set GANAS_REQUIRE_BENCHMARK_DATA=1 to make this a failure.";
    }
}

public static class TestEnvironment
{
    public static bool RequireBenchmarkData => Environment.GetEnvironmentVariable("GANAS_REQUIRE_BENCHMARK_DATA") == "1";

    private static readonly object Gate = new();
    private static bool _initialized;

    /// <summary>Loads libtorch with one thread (tests run in parallel on 2 cores).</summary>
    public static void InitTorch()
    {
        lock (Gate)
        {
            if (_initialized) return;
            GaNas.Runtime.TorchRuntime.Initialize(1);
            _initialized = true;
        }
    }
}
