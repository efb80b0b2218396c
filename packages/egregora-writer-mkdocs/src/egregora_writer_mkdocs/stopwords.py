"""Words too common to name a post (Portuguese, English, Spanish), used for keyword titles."""

STOPWORDS = frozenset(
    """
    a o e é de da do das dos em no na nos nas um uma uns umas que se por para pra pro com sem
    mais mas como ou ao aos à às eu tu ele ela nós vós eles elas você vocês voce voces meu minha
    seu sua teu tua nosso nossa isso isto esse essa este esta aquele aquela aqui ali lá la já ja
    não nao sim foi ser ter tem tinha está esta estou estão tá ta vai vou vamos era são sao
    também tambem muito muita bem quando onde quem qual porque porquê então entao ainda só so
    até ate depois antes hoje amanhã ontem agora tudo nada todo toda todos todas coisa gente
    kkkk kkk haha hahaha rsrs acho fazer faz pode tipo aí ai né ne obrigado obrigada bom boa dia
    noite tarde mensagem apagada mídia midia oculta omitted media message deleted this
    the and for with that this from have has had was were are you your they them their our
    what when where which who will would could should about there here just like into than then
    also been being some more most much many very okay yes not but all any can did does done
    el la los las del por para con una uno unos unas que pero como más muy esto eso esta este
    hola gracias también porque cuando donde
    """.split()  # noqa: SIM905
)
