namespace GaNas.Benchmarks;

/// <summary>
/// Locates the NATS-Bench data folder (ground truth, published proxies, images): the
/// <c>GANAS_BENCHMARK_DIR</c> environment variable, else <c>../shared/benchmarks</c> beside the
/// repository root or any parent of the working or application folder.
/// </summary>
public static class BenchmarkData
{
    /// <summary>Environment variable that points at the data folder.</summary>
    public const string DirectoryVariable = "GANAS_BENCHMARK_DIR";

    /// <summary>Finds the folder, or returns null.</summary>
    public static string? TryLocate()
    {
        string? configured = Environment.GetEnvironmentVariable(DirectoryVariable);
        if (!string.IsNullOrEmpty(configured)) return Directory.Exists(configured) ? Path.GetFullPath(configured) : null;
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (DirectoryInfo? dir = new(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "shared", "benchmarks");
                if (Directory.Exists(Path.Combine(candidate, "nats-tss"))) return candidate;
            }
        }
        return null;
    }

    /// <summary>Finds the folder or throws a message saying where it was looked for.</summary>
    public static string Locate() => TryLocate() ?? throw new DirectoryNotFoundException(
        $"NATS-Bench data not found: set {DirectoryVariable} or place it at ../shared/benchmarks beside the repository.");

    /// <summary>A file inside the data folder.</summary>
    public static string File(params string[] parts) => Path.Combine([Locate(), .. parts]);
}
