using Microsoft.ML;
using Microsoft.ML.Data;

namespace GaNas.MLNet;

/// <summary>
/// Finds the GaNas network inside any ML.NET model that contains one (a fitted <see cref="TrainingFreeNasTransformer"/>,
/// or the chain <c>mlContext.Model.Load</c> returns): the pipeline carries it as the value of a ValueMapping keyed by
/// the constant column of <see cref="ModelKeyFactory"/>, so applying just those two transformers to one row of any
/// data yields the network's bytes, which <see cref="NetworkModel.FromBytes"/> verifies.
/// </summary>
internal static class OnnxConversion
{
    private const string KeyColumn = nameof(ModelKeyOutput.GaNasModelKey);
    private const string ModelColumn = nameof(PixelScoringInput.GaNasModel);

    public static NetworkModel FindNetwork(ITransformer model, IDataView inputData)
    {
        if (model is TrainingFreeNasTransformer fitted) return fitted.Model;
        ITransformer[] parts = BatchedScoring.Flatten(model).ToArray();
        var found = new List<NetworkModel>();
        for (int i = 0; i + 1 < parts.Length; i++)
        {
            if (!Produces(parts[i], inputData.Schema, KeyColumn)) continue;
            IDataView keyed = parts[i].Transform(inputData);
            if (!Produces(parts[i + 1], keyed.Schema, ModelColumn)) continue;
            found.Add(NetworkModel.FromBytes(FirstValue(parts[i + 1].Transform(keyed), ModelColumn)));
        }
        return found.Count switch
        {
            1 => found[0],
            0 => throw new ArgumentException("The model holds no GaNas network (no TrainingFreeNas step); only models trained with TrainingFreeNas can be converted.", nameof(model)),
            _ => throw new ArgumentException($"The model holds {found.Count} GaNas networks; convert a model with one TrainingFreeNas step.", nameof(model)),
        };
    }

    private static bool Produces(ITransformer transformer, DataViewSchema input, string column)
    {
        if (input.GetColumnOrNull(column) is not null) return false;
        try
        {
            return transformer.GetOutputSchema(input).GetColumnOrNull(column) is not null;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or FormatException)
        {
            // A transformer that needs columns this data lacks cannot be the constant key mapping.
            return false;
        }
    }

    private static byte[] FirstValue(IDataView view, string columnName)
    {
        DataViewSchema.Column column = view.Schema[columnName];
        using DataViewRowCursor cursor = view.GetRowCursor([column]);
        if (!cursor.MoveNext()) throw new InvalidDataException("The input data has no rows; ONNX conversion reads the network from one row of it.");
        VBuffer<byte> value = default;
        cursor.GetGetter<VBuffer<byte>>(column)(ref value);
        return value.DenseValues().ToArray();
    }
}
