using GaNas.SearchSpaces;

namespace GaNas.Cli;

/// <summary>Where a command writes, and the one place that turns expected failures into exit codes.</summary>
public sealed class CommandIO(TextWriter stdout, TextWriter stderr)
{
    /// <summary>Results (JSON, tables).</summary>
    public TextWriter Out { get; } = stdout;

    /// <summary>Errors, progress and diagnostics.</summary>
    public TextWriter Error { get; } = stderr;

    /// <summary>Runs a command body; expected failures print "error: ..." to stderr and return 1.</summary>
    public int Guard(Func<int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            return body();
        }
        catch (Exception ex) when (ex is ArchitectureFormatException or ArgumentException or IOException or InvalidDataException
                                       or InvalidOperationException or FormatException or UnauthorizedAccessException or OperationCanceledException)
        {
            Error.WriteLine($"error: {ex.Message}");
            return 1;
        }
    }
}
