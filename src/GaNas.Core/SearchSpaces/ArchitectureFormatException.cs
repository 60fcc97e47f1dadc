namespace GaNas.SearchSpaces;

/// <summary>
/// Thrown when an architecture string cannot be parsed. The message names the problem and the
/// character position; <see cref="Position"/> and <see cref="Architecture"/> carry them for tools.
/// </summary>
public sealed class ArchitectureFormatException : FormatException
{
    /// <summary>Creates the exception.</summary>
    public ArchitectureFormatException(string space, string architecture, int position, string problem)
        : base($"Invalid {space} architecture '{architecture}' at position {position}: {problem}")
    {
        Space = space;
        Architecture = architecture;
        Position = position;
        Problem = problem;
    }

    /// <summary>Creates the exception with a message only.</summary>
    public ArchitectureFormatException(string message) : base(message)
    {
        Space = Architecture = Problem = string.Empty;
    }

    /// <summary>Creates the exception with a message and inner exception.</summary>
    public ArchitectureFormatException(string message, Exception innerException) : base(message, innerException)
    {
        Space = Architecture = Problem = string.Empty;
    }

    /// <summary>Creates the exception without details.</summary>
    public ArchitectureFormatException() : this("Invalid architecture string.") { }

    /// <summary>Search space name ("tss" or "sss").</summary>
    public string Space { get; }

    /// <summary>The string that failed to parse.</summary>
    public string Architecture { get; }

    /// <summary>Zero-based character position of the problem.</summary>
    public int Position { get; }

    /// <summary>What is wrong, without the position prefix.</summary>
    public string Problem { get; }
}
