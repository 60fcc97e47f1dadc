using Microsoft.ML;

namespace GaNas.MLNet;

/// <summary>
/// Finds the GaNas network inside any ML.NET model that contains one (a fitted <see cref="TrainingFreeNasTransformer"/>,
/// or the chain <c>mlContext.Model.Load</c> returns, alone or inside a larger chain): the model is applied to the data
/// as <see cref="BatchedScoring"/> applies it, and the network is read from the first row at its scoring step.
/// </summary>
internal static class OnnxConversion
{
    public static NetworkModel FindNetwork(ITransformer model, IDataView inputData)
    {
        if (model is TrainingFreeNasTransformer fitted) return fitted.Model;
        var found = new List<NetworkModel>();
        BatchedScoring.Apply(model, inputData, scoring => found.Add(scoring.FirstNetwork()));
        return found.Count switch
        {
            1 => found[0],
            0 => throw new ArgumentException("The model holds no GaNas network (no TrainingFreeNas step); only models trained with TrainingFreeNas can be converted.", nameof(model)),
            _ => throw new ArgumentException($"The model holds {found.Count} GaNas networks; convert a model with one TrainingFreeNas step.", nameof(model)),
        };
    }
}
