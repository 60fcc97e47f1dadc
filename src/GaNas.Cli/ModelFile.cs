using Microsoft.ML;

namespace GaNas.Cli;

/// <summary>Loads a saved ML.NET model (scoring in batches) for the commands that read one; a file ML.NET cannot read is an error naming it.</summary>
internal static class ModelFile
{
    public static ITransformer Load(MLContext ml, string path)
    {
        try
        {
            return ml.Model.LoadTrainingFreeNas(path, out _);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException and not IOException)
        {
            throw new InvalidDataException($"'{path}' is not a loadable ML.NET model: {ex.Message}", ex);
        }
    }
}
