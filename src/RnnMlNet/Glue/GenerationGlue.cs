using System.ComponentModel;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace RnnMlNet.Glue;

/// <summary>Input of the generation glue: the generated tokens and the graph's check of the conditioning category.</summary>
/// <remarks>Infrastructure: public only because ML.NET's model loader must reach it when a saved model is loaded; not meant to be used directly.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class GeneratedTokens
{
    /// <summary>Tokens in order; special tokens are empty.</summary>
    [ColumnName("RnnMlNet.GeneratedTokens"), VectorType]
    public string[] Tokens { get; set; } = [];

    /// <summary>Empty, or the message for a category never seen in training.</summary>
    [ColumnName("RnnMlNet.GenerationCheck"), VectorType(1)]
    public string[] Check { get; set; } = [];
}

/// <summary>The generated text.</summary>
/// <remarks>Infrastructure: public only because ML.NET's model loader must reach it when a saved model is loaded; not meant to be used directly.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class GeneratedText
{
    /// <summary>Tokens joined.</summary>
    [ColumnName("RnnMlNet.GeneratedText")]
    public string Text { get; set; } = "";
}

/// <summary>Joins generated characters into text.</summary>
/// <remarks>Infrastructure: public only because ML.NET's model loader must reach it when a saved model is loaded; not meant to be used directly.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
[CustomMappingFactoryAttribute(ContractName)]
public sealed class JoinCharactersFactory : CustomMappingFactory<GeneratedTokens, GeneratedText>
{
    /// <summary>Name stored in saved models.</summary>
    public const string ContractName = "RnnMlNet.JoinCharacters";

    /// <summary>The mapping.</summary>
    public static void Map(GeneratedTokens input, GeneratedText output) => output.Text = string.Concat(Checked(input).Tokens);

    /// <inheritdoc />
    public override Action<GeneratedTokens, GeneratedText> GetMapping() => Map;

    /// <summary>Throws the graph's message when the row's category was unknown.</summary>
    internal static GeneratedTokens Checked(GeneratedTokens input) =>
        input.Check.Length > 0 && input.Check[0].Length > 0 ? throw new InvalidOperationException(input.Check[0]) : input;
}

/// <summary>Joins generated words into text, separated by spaces.</summary>
/// <remarks>Infrastructure: public only because ML.NET's model loader must reach it when a saved model is loaded; not meant to be used directly.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
[CustomMappingFactoryAttribute(ContractName)]
public sealed class JoinWordsFactory : CustomMappingFactory<GeneratedTokens, GeneratedText>
{
    /// <summary>Name stored in saved models.</summary>
    public const string ContractName = "RnnMlNet.JoinWords";

    /// <summary>The mapping.</summary>
    public static void Map(GeneratedTokens input, GeneratedText output) =>
        output.Text = string.Join(' ', JoinCharactersFactory.Checked(input).Tokens.Where(t => t.Length > 0));

    /// <inheritdoc />
    public override Action<GeneratedTokens, GeneratedText> GetMapping() => Map;
}

/// <summary>Input of the character splitter: the text column, copied under this name.</summary>
/// <remarks>Infrastructure: public only because ML.NET's model loader must reach it when a saved model is loaded; not meant to be used directly.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class TextToSplit
{
    internal const string Column = "RnnMlNet.TextToSplit";

    /// <summary>The text.</summary>
    [ColumnName(Column)]
    public string Text { get; set; } = "";
}

/// <summary>The text's characters, one string each.</summary>
/// <remarks>Infrastructure: public only because ML.NET's model loader must reach it when a saved model is loaded; not meant to be used directly.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class SplitCharacters
{
    internal const string Column = "RnnMlNet.SplitCharacters";

    /// <summary>Each Unicode character as a string.</summary>
    [ColumnName(Column), VectorType]
    public string[] Characters { get; set; } = [];
}

/// <summary>Splits text into characters exactly as training did. ML.NET's TokenizeIntoCharactersAsKeys gives back
/// control characters and spaces as pictures ("&lt;␠&gt;") and garbles surrogate pairs, which would make them unknown
/// tokens at scoring.</summary>
/// <remarks>Infrastructure: public only because ML.NET's model loader must reach it when a saved model is loaded; not meant to be used directly.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
[CustomMappingFactoryAttribute(ContractName)]
public sealed class SplitCharactersFactory : CustomMappingFactory<TextToSplit, SplitCharacters>
{
    /// <summary>Name stored in saved models.</summary>
    public const string ContractName = "RnnMlNet.SplitCharacters";

    /// <summary>The mapping.</summary>
    public static void Map(TextToSplit input, SplitCharacters output) =>
        output.Characters = Generation.TextScoringChain.Tokenize(input.Text, Generation.TokenLevel.Character);

    /// <inheritdoc />
    public override Action<TextToSplit, SplitCharacters> GetMapping() => Map;
}
