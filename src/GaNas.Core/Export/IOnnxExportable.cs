namespace GaNas.Export;

/// <summary>
/// A project module that writes its own forward as ONNX nodes, next to its TorchSharp <c>forward</c> so that the two
/// stay one definition read twice. libtorch's modules (Conv2d, batch norms, ReLU, ...) are mapped by <see cref="OnnxGraph"/>.
/// </summary>
internal interface IOnnxExportable
{
    /// <summary>Appends the module's nodes reading <paramref name="input"/>; returns the name of its output.</summary>
    string ToOnnx(OnnxGraph graph, string input);
}
