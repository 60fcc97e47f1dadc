namespace GaNas.Export;

/// <summary>What an exported ONNX model needs besides the network: its input size, the normalisation to put in front, class names.</summary>
public sealed class OnnxExportOptions
{
    /// <summary>Input height in pixels.</summary>
    public required int Height { get; init; }

    /// <summary>Input width in pixels.</summary>
    public required int Width { get; init; }

    /// <summary>Per-channel mean subtracted from the raw pixel values (0-255) before the network; one per input channel.</summary>
    public required IReadOnlyList<double> Mean { get; init; }

    /// <summary>Per-channel standard deviation the centred pixels are divided by; one per input channel.</summary>
    public required IReadOnlyList<double> Std { get; init; }

    /// <summary>Class names in output order; written to the model's metadata as <c>labels</c> (a JSON array).</summary>
    public required IReadOnlyList<string> Labels { get; init; }

    /// <summary>More metadata_props entries (for example the architecture).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();
}
