using Microsoft.ML;
using Microsoft.ML.Data;

namespace GaNas.MLNet;

/// <summary>
/// The one check of the trainer's input columns, for <see cref="TrainingFreeNasTrainer.GetOutputSchema"/> (a schema
/// shape: names, kinds and item types) and for reading the data (a schema: key counts and vector sizes too). Every
/// message names the column, the problem and the transform that fixes it.
/// </summary>
internal static class InputSchema
{
    /// <summary>Checks what a schema shape tells; returns whether the features are encoded image bytes.</summary>
    public static bool Check(SchemaShape schema, TrainingFreeNasOptions options)
    {
        ArgumentNullException.ThrowIfNull(schema);
        return Check(schema.Select(c => new Column(c.Name, c.IsKey, c.ItemType, c.Kind != SchemaShape.Column.VectorKind.Scalar)).ToList(), options);
    }

    /// <summary>What both forms of a schema tell about a column.</summary>
    private readonly record struct Column(string Name, bool IsKey, DataViewType ItemType, bool IsVector);

    private static bool Check(List<Column> schema, TrainingFreeNasOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        string columns = string.Join(", ", schema.Select(c => c.Name));
        var label = schema.FirstOrDefault(c => c.Name == options.LabelColumnName);
        if (label.Name is null)
            throw new ArgumentOutOfRangeException(nameof(schema), $"Label column '{options.LabelColumnName}' not found (columns: {columns}).");
        if (!label.IsKey)
            throw new ArgumentOutOfRangeException(nameof(schema), $"Label column '{options.LabelColumnName}' has type {label.ItemType}; it must be a key type: apply mlContext.Transforms.Conversion.MapValueToKey(\"{options.LabelColumnName}\") first.");
        var features = schema.FirstOrDefault(c => c.Name == options.FeatureColumnName);
        if (features.Name is null)
            throw new ArgumentOutOfRangeException(nameof(schema), $"Features column '{options.FeatureColumnName}' not found (columns: {columns}).");
        if (features.IsVector && features.ItemType == NumberDataViewType.Byte) return true;
        if (features.IsVector && features.ItemType == NumberDataViewType.Single) return false;
        throw new ArgumentOutOfRangeException(nameof(schema), $"Features column '{options.FeatureColumnName}' has type {features.ItemType}{(features.IsVector ? " vector" : "")}; expected a float vector of pixels (ExtractPixels) or raw image bytes (LoadRawImageBytes).");
    }

    /// <summary>Checks a schema: what <see cref="Check(SchemaShape, TrainingFreeNasOptions)"/> does, then the label's classes and the pixel vector's size.</summary>
    public static (int Classes, bool EncodedImages) Check(DataViewSchema schema, TrainingFreeNasOptions options)
    {
        ArgumentNullException.ThrowIfNull(schema);
        bool encoded = Check(schema.Where(c => !c.IsHidden).Select(c => new Column(c.Name, c.Type is KeyDataViewType, c.Type is VectorDataViewType v ? v.ItemType : c.Type, c.Type is VectorDataViewType)).ToList(), options);
        var key = (KeyDataViewType)schema[options.LabelColumnName].Type;
        if (key.RawType != typeof(uint))
            throw new ArgumentOutOfRangeException(nameof(schema), $"Label column '{options.LabelColumnName}' is a key of {key.RawType.Name}; a key of UInt32 is expected (MapValueToKey produces it).");
        if (key.Count < 2)
            throw new ArgumentOutOfRangeException(nameof(schema), $"Only one class found in the Label column '{options.LabelColumnName}'; a classifier needs at least two.");
        if (key.Count > TrainingFreeNasLimits.MaxClasses)
            throw new ArgumentOutOfRangeException(nameof(schema), $"Label column '{options.LabelColumnName}' has {key.Count} classes; at most {TrainingFreeNasLimits.MaxClasses} are supported.");
        int expected = options.ImageChannels * options.ImageHeight * options.ImageWidth;
        if (!encoded && schema[options.FeatureColumnName].Type is VectorDataViewType { Size: var size } && size != expected)
            throw new ArgumentOutOfRangeException(nameof(schema), size == 0
                ? $"Features column '{options.FeatureColumnName}' is a float vector of unknown size; a known size of {options.ImageChannels}x{options.ImageHeight}x{options.ImageWidth} = {expected} is needed (ExtractPixels produces it)."
                : $"Features column '{options.FeatureColumnName}' has {size} values, but ImageChannels x ImageHeight x ImageWidth = {options.ImageChannels}x{options.ImageHeight}x{options.ImageWidth} = {expected}.");
        return ((int)key.Count, encoded);
    }
}
